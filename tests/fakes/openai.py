"""A loopback fake of an OpenAI-compatible endpoint: chat completions and audio transcriptions.

A real HTTP/1.1 server on 127.0.0.1 (``HTTPFake``, tests/fakes/base.py, with its shared faults), so the openai
SDK, its timeouts and retries run for real. ``POST /v1/chat/completions`` answers with the next scripted reply
(``fake.reply_with(...)``; ``fake.answer_with(...)`` for the ``answer_citizen`` tool) or, by default, a
tool call saying ``unknown``. A reply may be:

* a dict: the arguments of the tool call (``{"intent": "apply", "service": "MCD-BIRTH", "language": "hi"}``);
* ``Garbage("...")``: that text as the tool call's arguments (not JSON, or JSON of the wrong shape);
* ``Slow(seconds, reply)``: wait, then answer (beyond the client's timeout this is a timeout);
* ``Status(code)``: an HTTP error with OpenAI's error body.

``POST /v1/audio/transcriptions`` (multipart) answers with the next scripted transcript
(``fake.transcribe_with("mujhe janm praman patra chahiye", Slow(3.0), Status(500), ...)``), by default an
empty one; its requests are kept in ``fake.transcriptions`` (the model and the file's name and size).

Every chat request body is kept in ``fake.requests`` (the log of every request, as the other fakes keep it, is
``fake.log``). The fake also checks, as a privacy guard, that no request
carries a valid Aadhaar number: such requests are kept in ``fake.aadhaar_leaks`` and answered with a 400.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from apps.core.aadhaar import verhoeff_valid
from tests.fakes.base import RecordedRequest
from tests.fakes.httpfake import HTTPFake, MalformedRequest, Reply, json_reply, parse_multipart

__all__ = ["OpenAIFake", "Garbage", "Slow", "Status"]

_AADHAAR_RE = re.compile(r"(?<!\d)([2-9]\d{3})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


@dataclass
class Garbage:
    arguments: str


@dataclass
class Slow:
    seconds: float
    reply: Any = None


@dataclass
class Status:
    code: int


class OpenAIFake(HTTPFake):
    def __init__(self) -> None:
        super().__init__()
        self.chats: list[dict] = []
        self.aadhaar_leaks: list[str] = []
        self._replies: deque = deque()
        self._transcripts: deque = deque()
        self._answers: deque = deque()
        self.transcriptions: list[dict] = []

    @property
    def base_url(self) -> str:
        return super().base_url + "/v1"

    @property
    def requests(self) -> list[dict]:
        """The bodies of the chat requests the fake read (with a key, on the chat route), oldest first."""
        with self._lock:
            return list(self.chats)

    def reply_with(self, *replies: Any) -> None:
        self._replies.extend(replies)

    def answer_with(self, *replies: Any) -> None:
        """Replies to the `answer_citizen` tool (free questions), kept apart from understanding's."""
        self._answers.extend(replies)

    def transcribe_with(self, *transcripts: Any) -> None:
        self._transcripts.extend(transcripts)

    def answer(self, request: RecordedRequest) -> Reply:
        if request.method != "POST":
            return _error(404, f"no route {request.path}", "invalid_request_error")
        authorization = request.headers.get("authorization", "")
        if request.path.rstrip("/") == "/v1/audio/transcriptions":
            return self._transcription(authorization, request.headers.get("content-type", ""), request.body)
        return self._handle(request.path, authorization, request.body.decode("utf-8", "replace"))

    def error_reply(self, status: int) -> Reply:
        return _error(status, "scripted failure", "server_error")

    def _handle(self, path: str, authorization: str, body: str) -> Reply:
        if path.rstrip("/") != "/v1/chat/completions":
            return _error(404, f"no route {path}", "invalid_request_error")
        if not authorization.startswith("Bearer "):
            return _error(401, "missing key", "invalid_request_error")
        request = json.loads(body)
        with self._lock:
            self.chats.append(request)
        leaks = [m.group(0) for m in _AADHAAR_RE.finditer(body) if verhoeff_valid("".join(m.groups()))]
        if leaks:
            self.aadhaar_leaks.extend(leaks)
            return _error(400, "request carried an Aadhaar number", "invalid_request_error")
        tool = ((request.get("tool_choice") or {}).get("function") or {}).get("name")
        queue = self._answers if tool == "answer_citizen" else self._replies
        reply = self._scripted(queue, {"intent": "unknown", "service": None, "language": "en"})
        if isinstance(reply, Status):
            return self.error_reply(reply.code)
        arguments = reply.arguments if isinstance(reply, Garbage) else json.dumps(reply)
        return json_reply(200, self._completion(request, arguments))

    def _transcription(self, authorization: str, content_type: str, raw: bytes) -> Reply:
        if not authorization.startswith("Bearer "):
            return _error(401, "missing key", "invalid_request_error")
        try:
            parts = parse_multipart(raw, content_type)
        except MalformedRequest:
            return _error(400, "expected multipart/form-data", "invalid_request_error")
        if "file" not in parts or "model" not in parts:
            return _error(400, "file and model are required", "invalid_request_error")
        audio, filename, _ = parts["file"]
        self.transcriptions.append({"model": parts["model"][0].decode(), "filename": filename, "size": len(audio)})
        reply = self._scripted(self._transcripts, "")
        if isinstance(reply, Status):
            return self.error_reply(reply.code)
        return json_reply(200, {"text": reply})

    def _scripted(self, queue: deque, default: Any) -> Any:
        """The next scripted reply, a Slow one after its wait."""
        reply = queue.popleft() if queue else default
        if isinstance(reply, Slow):
            self.pause(reply.seconds)
            reply = reply.reply or default
        return reply

    @staticmethod
    def _completion(request: dict, arguments: str) -> dict:
        name = ((request.get("tool_choice") or {}).get("function") or {}).get("name", "record_understanding")
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
        }


def _error(status: int, message: str, type_: str) -> Reply:
    return json_reply(status, {"error": {"message": message, "type": type_}})
