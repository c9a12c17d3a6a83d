"""A loopback fake of a department portal speaking govchat's REST/JSON connector contract.

A real HTTP server on 127.0.0.1 (``HTTPFake``, tests/fakes/base.py, with its shared faults), so the
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
from typing import Any

from tests.fakes.base import RecordedRequest
from tests.fakes.httpfake import HTTPFake, Reply, json_reply


class PortalFake(HTTPFake):
    def __init__(self) -> None:
        super().__init__()
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.refuse_reason = "The applicant's district does not match the address."
        self.token: str | None = None
        self.references: dict[str, str] = {}  # idempotency key -> portal reference
        self.statuses: dict[str, tuple[str, str]] = {}  # portal reference -> (status, note)
        self.records: dict[tuple[str, str], dict] = {}
        self.dues: dict[tuple[str, str], list[dict]] = {}  # (service, number) -> demands
        self.paid: dict[str, dict] = {}  # idempotency key -> {"service", "demand_id", "body", "receipt"}

    # Control.

    @property
    def base_url(self) -> str:
        return super().base_url + "/"

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

    def answer(self, request: RecordedRequest) -> Reply:
        if self.mode == "outage":
            return self.error_reply(503)
        if self.mode == "slow":
            self.pause(self.slow_seconds)
        if self.mode == "malformed":
            return Reply(200, b'{"reference": "half an answer')
        method, query, headers, body = request.method, request.query, request.headers, request.json
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            return json_reply(401, {"error": "Bad credentials."})
        if self.mode == "refuse":
            return json_reply(422, {"error": self.refuse_reason})
        parts = [p for p in request.path.split("/") if p]
        if method == "POST" and parts == ["applications"]:
            return self._submit(headers, body)
        if method == "GET" and len(parts) == 2 and parts[0] == "applications":
            if parts[1] not in self.statuses:
                return json_reply(404, {"error": "No such application."})
            status, note = self.statuses[parts[1]]
            return json_reply(200, {"reference": parts[1], "status": status, "note": note})
        if method == "GET" and len(parts) == 2 and parts[0] == "lookup":
            record = self.records.get((parts[1], query.get("number", "")))
            return json_reply(200, record) if record else json_reply(404, {"found": False})
        if method == "GET" and len(parts) == 2 and parts[0] == "dues":
            demands = self.dues.get((parts[1], query.get("number", "")))
            if demands is None:
                return json_reply(404, {"found": False})
            paid = {(p["service"], p["demand_id"]) for p in self.paid.values()}
            due = [d for d in demands if not isinstance(d, dict) or (parts[1], d.get("demand_id")) not in paid]
            return json_reply(200, {"found": True, "demands": due})
        if method == "POST" and len(parts) == 3 and parts[0] == "dues" and parts[2] == "paid":
            return self._dues_paid(parts[1], headers, body)
        return json_reply(404, {"error": "No such route."})

    def _dues_paid(self, service: str, headers: dict, body: Any) -> Reply:
        key = headers.get("idempotency-key", "")
        if not key or not isinstance(body, dict) or not body.get("demand_id"):
            return json_reply(400, {"error": "Idempotency-Key and a demand_id are required."})
        known = {
            d.get("demand_id") for (s, _), ds in self.dues.items() if s == service for d in ds if isinstance(d, dict)
        }
        if body["demand_id"] not in known:
            return json_reply(404, {"error": "No such demand."})
        with self._lock:
            if key in self.paid:
                return json_reply(200, {"receipt": self.paid[key]["receipt"], "status": "recorded"})
            for earlier in self.paid.values():
                if (earlier["service"], earlier["demand_id"]) == (service, body["demand_id"]):
                    return json_reply(409, {"error": f"Already paid (receipt {earlier['receipt']})."})
            receipt = f"RCPT{len(self.paid) + 1:06d}"
            self.paid[key] = {"service": service, "demand_id": body["demand_id"], "body": body, "receipt": receipt}
            return json_reply(201, {"receipt": receipt, "status": "recorded"})

    def _submit(self, headers: dict, body: Any) -> Reply:
        key = headers.get("idempotency-key", "")
        if not key or not isinstance(body, dict) or not body.get("reference"):
            return json_reply(400, {"error": "Idempotency-Key and a reference are required."})
        with self._lock:
            if key not in self.references:
                reference = f"ED{len(self.references) + 1:06d}"
                self.references[key] = reference
                self.statuses[reference] = ("received", "")
            return json_reply(201, {"reference": self.references[key], "status": "received"})


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
