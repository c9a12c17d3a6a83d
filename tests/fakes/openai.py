"""A loopback fake of an OpenAI-compatible chat completions endpoint.

A real HTTP/1.1 server on 127.0.0.1 (``ThreadingHTTPServer`` on port 0, in a daemon thread), so the openai SDK,
its timeouts and retries run for real. ``POST /v1/chat/completions`` answers with the next scripted reply
(``fake.reply_with(...)``) or, by default, a tool call saying ``unknown``. A reply may be:

* a dict: the arguments of the tool call (``{"intent": "apply", "service": "MCD-BIRTH", "language": "hi"}``);
* ``Garbage("...")``: that text as the tool call's arguments (not JSON, or JSON of the wrong shape);
* ``Slow(seconds, reply)``: wait, then answer (beyond the client's timeout this is a timeout);
* ``Status(code)``: an HTTP error with OpenAI's error body.

Every request body is kept in ``fake.requests``. The fake also checks, as a privacy guard, that no request
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
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def reply_with(self, *replies: Any) -> None:
        self._replies.extend(replies)

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
                status, payload = fake._handle(self.path, self.headers.get("Authorization", ""), body)
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
        reply = self._replies.popleft() if self._replies else {"intent": "unknown", "service": None, "language": "en"}
        if isinstance(reply, Slow):
            time.sleep(reply.seconds)
            reply = reply.reply or {"intent": "unknown", "service": None, "language": "en"}
        if isinstance(reply, Status):
            return reply.code, {"error": {"message": "scripted failure", "type": "server_error"}}
        arguments = reply.arguments if isinstance(reply, Garbage) else json.dumps(reply)
        return 200, self._completion(request, arguments)

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
