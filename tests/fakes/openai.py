"""A loopback fake of an OpenAI-compatible endpoint: chat completions and audio transcriptions.

A real HTTP/1.1 server on 127.0.0.1 (``ThreadingHTTPServer`` on port 0, in a daemon thread), so the openai SDK,
its timeouts and retries run for real. ``POST /v1/chat/completions`` answers with the next scripted reply
(``fake.reply_with(...)``; ``fake.answer_with(...)`` for the ``answer_citizen`` tool) or, by default, a
tool call saying ``unknown``. A reply may be:

* a dict: the arguments of the tool call (``{"intent": "apply", "service": "MCD-BIRTH", "language": "hi"}``);
* ``Garbage("...")``: that text as the tool call's arguments (not JSON, or JSON of the wrong shape);
* ``Slow(seconds, reply)``: wait, then answer (beyond the client's timeout this is a timeout);
* ``Status(code)``: an HTTP error with OpenAI's error body.

``POST /v1/audio/transcriptions`` (multipart) answers with the next scripted transcript
(``fake.transcribe_with("mujhe janm praman patra chahiye", Slow(3.0), Status(500), ...)``), by default an
empty one; its requests are kept in ``fake.transcriptions`` (the model and the file's name and size).

Every chat request body is kept in ``fake.requests``. The fake also checks, as a privacy guard, that no request
carries a valid Aadhaar number: such requests are kept in ``fake.aadhaar_leaks`` and answered with a 400.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from apps.core.aadhaar import verhoeff_valid

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


class OpenAIFake:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.aadhaar_leaks: list[str] = []
        self._replies: deque = deque()
        self._transcripts: deque = deque()
        self._answers: deque = deque()
        self.transcriptions: list[dict] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply_with(self, *replies: Any) -> None:
        self._replies.extend(replies)

    def answer_with(self, *replies: Any) -> None:
        """Replies to the `answer_citizen` tool (free questions), kept apart from understanding's."""
        self._answers.extend(replies)

    def transcribe_with(self, *transcripts: Any) -> None:
        self._transcripts.extend(transcripts)

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                authorization = self.headers.get("Authorization", "")
                if self.path.rstrip("/") == "/v1/audio/transcriptions":
                    status, payload = fake._transcription(authorization, self.headers.get("Content-Type", ""), raw)
                else:
                    status, payload = fake._handle(self.path, authorization, raw.decode("utf-8", "replace"))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, path: str, authorization: str, body: str) -> tuple[int, dict]:
        if path.rstrip("/") != "/v1/chat/completions":
            return 404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}}
        if not authorization.startswith("Bearer "):
            return 401, {"error": {"message": "missing key", "type": "invalid_request_error"}}
        request = json.loads(body)
        self.requests.append(request)
        leaks = [m.group(0) for m in _AADHAAR_RE.finditer(body) if verhoeff_valid("".join(m.groups()))]
        if leaks:
            self.aadhaar_leaks.extend(leaks)
            return 400, {"error": {"message": "request carried an Aadhaar number", "type": "invalid_request_error"}}
        tool = ((request.get("tool_choice") or {}).get("function") or {}).get("name")
        queue = self._answers if tool == "answer_citizen" else self._replies
        reply = queue.popleft() if queue else {"intent": "unknown", "service": None, "language": "en"}
        if isinstance(reply, Slow):
            time.sleep(reply.seconds)
            reply = reply.reply or {"intent": "unknown", "service": None, "language": "en"}
        if isinstance(reply, Status):
            return reply.code, {"error": {"message": "scripted failure", "type": "server_error"}}
        arguments = reply.arguments if isinstance(reply, Garbage) else json.dumps(reply)
        return 200, self._completion(request, arguments)

    def _transcription(self, authorization: str, content_type: str, raw: bytes) -> tuple[int, dict]:
        if not authorization.startswith("Bearer "):
            return 401, {"error": {"message": "missing key", "type": "invalid_request_error"}}
        boundary = re.search(r"boundary=([^;]+)", content_type)
        if not content_type.startswith("multipart/form-data") or not boundary:
            return 400, {"error": {"message": "expected multipart/form-data", "type": "invalid_request_error"}}
        parts = {}
        for part in raw.split(b"--" + boundary.group(1).strip('"').encode()):
            head, _, content = part.partition(b"\r\n\r\n")
            name = re.search(rb'name="([^"]+)"', head)
            filename = re.search(rb'filename="([^"]*)"', head)
            if name:
                value = content.removesuffix(b"\r\n")
                parts[name.group(1).decode()] = (filename.group(1).decode() if filename else None, value)
        if "file" not in parts or "model" not in parts:
            return 400, {"error": {"message": "file and model are required", "type": "invalid_request_error"}}
        filename, audio = parts["file"]
        self.transcriptions.append({"model": parts["model"][1].decode(), "filename": filename, "size": len(audio)})
        reply = self._transcripts.popleft() if self._transcripts else ""
        if isinstance(reply, Slow):
            time.sleep(reply.seconds)
            reply = reply.reply or ""
        if isinstance(reply, Status):
            return reply.code, {"error": {"message": "scripted failure", "type": "server_error"}}
        return 200, {"text": reply}

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
