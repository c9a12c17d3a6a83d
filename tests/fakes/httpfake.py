"""HTTP/1.1 on the fakes' core (tests/fakes/base.py): ``HTTPFake``, its replies and the JSON and multipart helpers.

A fake writes ``answer(request) -> Reply``; the handler reads the request (a sized or chunked body), logs it,
lets the shared faults act, and sends the reply on a keep-alive connection. A broken request is answered
``bad_request_reply`` and the connection closed; a bug in ``answer`` is answered ``internal_error_reply`` (500).
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.base import FakeServer, Fault, RecordedRequest, Tracked

__all__ = ["HTTPFake", "MalformedRequest", "Reply", "json_or_none", "json_reply", "parse_multipart"]

JSON = "application/json; charset=UTF-8"
#: Refuse request bodies above this (Meta's largest media is 100 MB).
MAX_BODY = 110 * 1024 * 1024
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


class MalformedRequest(ValueError):
    """The request's framing or encoding is broken."""


def json_reply(status: int, payload: Any, *, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode(), headers=headers or {})


def json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def html_error_page(status: int) -> Reply:
    """The page nginx answers with when what stands behind it is down."""
    text = f"{status} {_REASONS.get(status, 'Error')}"
    body = (
        f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n<center><h1>{text}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Reply(status, body.encode(), content_type="text/html")


def parse_multipart(body: bytes, content_type: str) -> dict[str, tuple[bytes, str | None, str | None]]:
    """Return {field name: (bytes, filename, part content type)}; raise MalformedRequest on anything malformed."""
    header = Message()
    header["content-type"] = content_type
    if header.get_content_type() != "multipart/form-data":
        raise MalformedRequest(f"Uploads must be multipart/form-data (got Content-Type {content_type or 'none'!r}).")
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MalformedRequest("multipart/form-data body has no boundary parameter.")
    chunks = body.split(b"--" + boundary.encode("latin-1"))
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise MalformedRequest("Malformed multipart/form-data body (missing closing boundary).")
    fields: dict[str, tuple[bytes, str | None, str | None]] = {}
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise MalformedRequest("Malformed multipart/form-data body (bad part framing).")
        head, sep, content = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            if not chunk[2:].startswith(b"\r\n"):
                raise MalformedRequest("Malformed multipart/form-data part (no blank line after headers).")
            head, content = b"", chunk[4:-2]  # a part with no headers at all
        part = Message()
        for line in filter(None, head.decode("latin-1").split("\r\n")):
            name, colon, value = line.partition(":")
            if not colon:
                raise MalformedRequest(f"Malformed multipart/form-data part header {line!r}.")
            part[name.strip()] = value.strip()
        field_name = part.get_param("name", header="content-disposition")
        if not isinstance(field_name, str):
            raise MalformedRequest("multipart/form-data part without a name in Content-Disposition.")
        filename = part.get_param("filename", header="content-disposition")
        fields[field_name] = (content, filename if isinstance(filename, str) else None, part.get("content-type"))
    return fields


class _HTTPHandler(Tracked, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # so even a garbage request line gets a status line with its 400
    sys_version = ""
    timeout = 60  # idle keep-alive connections end after a minute
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid the 40 ms delayed-ACK stall
    fake: HTTPFake

    def version_string(self) -> str:
        return f"{type(self.fake).__name__}/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length")
        if raw_length is None:
            return b""
        try:
            length = int(raw_length)
        except ValueError:
            raise MalformedRequest(f"Bad Content-Length {raw_length!r}.") from None
        if length < 0 or length > MAX_BODY:
            raise MalformedRequest(f"Bad Content-Length {raw_length!r}.")
        data = self.rfile.read(length)
        if len(data) != length:
            raise MalformedRequest("Request body shorter than Content-Length.")
        return data

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise MalformedRequest("Truncated chunked body.")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise MalformedRequest(f"Bad chunk size line {line!r}.") from None
            if size == 0:
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise MalformedRequest("Request body too large.")
            data = self.rfile.read(size)
            if len(data) != size or self.rfile.read(2) != b"\r\n":
                raise MalformedRequest("Truncated chunked body.")
            chunks.append(data)

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except MalformedRequest as exc:
            self.close_connection = True
            self._send(self.fake.bad_request_reply(str(exc)))
            return
        except OSError:
            self.close_connection = True
            return
        reply = self.fake._respond(self._record(body))
        if reply is None:
            self.close_connection = True  # dropped, held, or the fake is closing
            return
        self._send(reply)

    def _record(self, body: bytes) -> RecordedRequest:
        url = urlsplit(self.path)
        return self.fake._record(
            method=self.command,
            path=url.path,
            query={k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json=json_or_none(body),
            timestamp=time.monotonic(),
            connection_id=self.connection_id,
        )

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in {**self.fake.reply_headers(), **reply.headers}.items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:  # the client gave up (its read timeout)
            self.close_connection = True


class HTTPFake(FakeServer):
    """An HTTP/1.1 fake: write ``answer(request) -> Reply``; override the ``*_reply`` hooks for the system's
    own error shapes. A bug in ``answer`` is answered with a 500, and the server never dies on a request."""

    handler_class = _HTTPHandler

    @property
    def base_url(self) -> str:
        """E.g. "http://127.0.0.1:54321" (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def error_next(self, status: int = 503, *, times: int = 1) -> None:
        """The next `times` requests (of any kind) get ``error_reply(status)``, not acted on."""
        self._add(Fault("error", status=status), times)

    def answer(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError

    def error_reply(self, status: int) -> Reply:
        return html_error_page(status)

    def bad_request_reply(self, message: str) -> Reply:
        return json_reply(400, {"error": message})

    def internal_error_reply(self, trace: str) -> Reply:
        return json_reply(500, {"error": f"{type(self).__name__} internal error: {trace}"})

    def reply_headers(self) -> dict[str, str]:
        """Headers sent with every reply."""
        return {}

    def new_record(self, **fields: Any) -> RecordedRequest:
        return RecordedRequest(**fields)

    def _record(self, **fields: Any) -> RecordedRequest:
        record = self.new_record(**fields)
        with self._lock:
            self._log.append(record)
        return record

    def _respond(self, request: RecordedRequest) -> Reply | None:
        """The reply to send, or None to hang up without one."""
        fault = self.take_fault()
        delay = None
        if fault is None or fault.kind == "delay":
            delay = fault
            try:
                reply = self.answer(request)
            except Exception:  # a bug in the fake: answer, do not die
                reply = self.internal_error_reply(traceback.format_exc(limit=5))
        elif fault.kind == "error":
            reply = self.error_reply(fault.status)
        else:
            self.endure(fault)
            return None
        request.status = reply.status
        return reply if self.endure(delay) else None
