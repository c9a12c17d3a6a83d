"""A loopback fake of a department portal speaking govchat's REST/JSON connector contract.

A real HTTP server on 127.0.0.1 (``ThreadingHTTPServer`` on port 0, served from a daemon thread), so the
connector's real HTTP client, timeouts and error handling run. Routes (under ``PortalFake.base_url``):

* ``POST /applications/``: needs an ``Idempotency-Key``; the same key always gets the same reference.
* ``GET /applications/<reference>/``: the status set with ``set_status``.
* ``GET /lookup/<service>/?number=...``: the records given to ``add_record``, else 404 ``{"found": false}``.
* ``GET /dues/<service>/?number=...``: ``{"found": true, "demands": [...]}`` with the demands given to
  ``add_dues`` (as given, so a test can hand it malformed amounts) less those paid, else 404.
* ``POST /dues/<service>/paid/``: needs an ``Idempotency-Key`` and a ``demand_id`` known to ``add_dues``
  (else 400 / 404); records the payment once per key in ``paid`` (the same key again: the same receipt, 200)
  and the demand is no longer due; a demand already paid under another key is a 409.

Switches, each for every following request until changed: ``mode = "ok" | "outage" (503) | "slow"
(sleeps ``slow_seconds`` before answering) | "malformed" (200 with a body that is not JSON) | "refuse"
(422 with ``{"error": refuse_reason}``)``; ``token`` (when set, a request without ``Authorization: Bearer
<token>`` gets 401). Every request is recorded in ``requests``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    json: Any


class PortalFake:
    def __init__(self) -> None:
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.refuse_reason = "The applicant's district does not match the address."
        self.token: str | None = None
        self.requests: list[RecordedRequest] = []
        self.references: dict[str, str] = {}  # idempotency key -> portal reference
        self.statuses: dict[str, tuple[str, str]] = {}  # portal reference -> (status, note)
        self.records: dict[tuple[str, str], dict] = {}
        self.dues: dict[tuple[str, str], list[dict]] = {}  # (service, number) -> demands
        self.paid: dict[str, dict] = {}  # idempotency key -> {"service", "demand_id", "body", "receipt"}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Control.

    def start(self) -> PortalFake:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake slow replies
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def set_status(self, reference: str, status: str, note: str = "") -> None:
        self.statuses[reference] = (status, note)

    def add_record(self, service: str, number: str, *, status_en: str, status_hi: str,
                   details: list[tuple[str, str, str]]) -> None:  # fmt: skip
        self.records[(service, number)] = {
            "found": True, "status_text_en": status_en, "status_text_hi": status_hi,
            "details": [{"label_en": en, "label_hi": hi, "value": value} for en, hi, value in details],
        }  # fmt: skip

    def add_dues(self, service: str, number: str, demands: list[dict]) -> None:
        """The demands due for a number: dicts as the portal sends them ({"demand_id", "description_en",
        "description_hi", "breakup": [{"label_en", "label_hi", "amount_paise"}], "amount_paise"}); [] for a
        number that is known with nothing due."""
        self.dues[(service, number)] = demands

    def submissions(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/applications/"]

    # Serving.

    def _answer(self, method: str, path: str, query: dict, headers: dict, body: Any) -> tuple[int, bytes]:
        if self.mode == "outage":
            return 503, b"<html>Service Unavailable</html>"
        if self.mode == "slow":
            self._release.wait(self.slow_seconds)
        if self.mode == "malformed":
            return 200, b'{"reference": "half an answer'
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            return 401, _json({"error": "Bad credentials."})
        if self.mode == "refuse":
            return 422, _json({"error": self.refuse_reason})
        parts = [p for p in path.split("/") if p]
        if method == "POST" and parts == ["applications"]:
            return self._submit(headers, body)
        if method == "GET" and len(parts) == 2 and parts[0] == "applications":
            if parts[1] not in self.statuses:
                return 404, _json({"error": "No such application."})
            status, note = self.statuses[parts[1]]
            return 200, _json({"reference": parts[1], "status": status, "note": note})
        if method == "GET" and len(parts) == 2 and parts[0] == "lookup":
            record = self.records.get((parts[1], query.get("number", "")))
            return (200, _json(record)) if record else (404, _json({"found": False}))
        if method == "GET" and len(parts) == 2 and parts[0] == "dues":
            demands = self.dues.get((parts[1], query.get("number", "")))
            if demands is None:
                return 404, _json({"found": False})
            paid = {(p["service"], p["demand_id"]) for p in self.paid.values()}
            due = [d for d in demands if not isinstance(d, dict) or (parts[1], d.get("demand_id")) not in paid]
            return 200, _json({"found": True, "demands": due})
        if method == "POST" and len(parts) == 3 and parts[0] == "dues" and parts[2] == "paid":
            return self._dues_paid(parts[1], headers, body)
        return 404, _json({"error": "No such route."})

    def _dues_paid(self, service: str, headers: dict, body: Any) -> tuple[int, bytes]:
        key = headers.get("idempotency-key", "")
        if not key or not isinstance(body, dict) or not body.get("demand_id"):
            return 400, _json({"error": "Idempotency-Key and a demand_id are required."})
        known = {
            d.get("demand_id") for (s, _), ds in self.dues.items() if s == service for d in ds if isinstance(d, dict)
        }
        if body["demand_id"] not in known:
            return 404, _json({"error": "No such demand."})
        with self._lock:
            if key in self.paid:
                return 200, _json({"receipt": self.paid[key]["receipt"], "status": "recorded"})
            for earlier in self.paid.values():
                if (earlier["service"], earlier["demand_id"]) == (service, body["demand_id"]):
                    return 409, _json({"error": f"Already paid (receipt {earlier['receipt']})."})
            receipt = f"RCPT{len(self.paid) + 1:06d}"
            self.paid[key] = {"service": service, "demand_id": body["demand_id"], "body": body, "receipt": receipt}
            return 201, _json({"receipt": receipt, "status": "recorded"})

    def _submit(self, headers: dict, body: Any) -> tuple[int, bytes]:
        key = headers.get("idempotency-key", "")
        if not key or not isinstance(body, dict) or not body.get("reference"):
            return 400, _json({"error": "Idempotency-Key and a reference are required."})
        with self._lock:
            if key not in self.references:
                reference = f"ED{len(self.references) + 1:06d}"
                self.references[key] = reference
                self.statuses[reference] = ("received", "")
            return 201, _json({"reference": self.references[key], "status": "received"})


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _handler(fake: PortalFake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            fake.requests.append(RecordedRequest(method, url.path, query, headers, body))
            status, payload = fake._answer(method, url.path, query, headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (a read timeout)
                pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, *args) -> None:
            pass

    return Handler


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_callback(client, connector: str, payload: dict | bytes, *, secret: str | None,
                  signature: str | None = None):  # fmt: skip
    """POST a status callback to govchat's endpoint through Django's test client, signed with `secret`
    (or with the given `signature`; neither: unsigned)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if signature is not None or secret is not None:
        headers["HTTP_X_PORTAL_SIGNATURE"] = signature if signature is not None else sign(secret, body)
    return client.post(f"/portals/{connector}/callback/", data=body, content_type="application/json", **headers)
