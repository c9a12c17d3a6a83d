"""A loopback fake of Razorpay's API (Payment Links and refunds) and of the webhooks it sends.

A real HTTP server on 127.0.0.1 (``HTTPFake``, tests/fakes/base.py, with its shared faults), so the
official SDK, its session, our timeouts and error handling all run. Point ``RAZORPAY_BASE_URL`` at
``RazorpayFake.base_url``. Routes, as Razorpay has them, each needing HTTP Basic auth with ``key_id`` and
``key_secret`` (else 401 with Razorpay's error body):

* ``POST /v1/payment_links``: amount a whole number of paise, at least 100; currency INR; ``reference_id``
  unique across links; ``expire_by`` (when given) at least 15 minutes ahead. Refusals are 400 with
  ``{"error": {"code": "BAD_REQUEST_ERROR", "description": ...}}``.
* ``GET /v1/payment_links`` (``?reference_id=``), ``GET /v1/payment_links/<id>``,
  ``POST /v1/payment_links/<id>/cancel``.
* ``GET /v1/payments/<id>``, ``POST /v1/payments/<id>/refund`` and ``GET /v1/payments/<id>/refunds``.

What a payer or Razorpay's clock does is done by ``pay(link_id)`` and ``expire(link_id)``: each changes
the link and returns the ``Webhook`` Razorpay would send (the raw body, signed with ``webhook_secret``, and
its headers with a fresh ``X-Razorpay-Event-Id``), for the test to POST or to lose.

Switches, for every following request until changed: ``mode = "ok" | "outage" (``outage_status``, 503 with
an HTML page, or 500 with Razorpay's SERVER_ERROR body) | "slow" (sleeps ``slow_seconds`` first) |
"malformed" (200 with a body that is not JSON)``. Every request is recorded in ``requests``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.base import RecordedRequest
from tests.fakes.httpfake import HTTPFake, Reply, json_reply

ALPHABET = string.ascii_letters + string.digits
MIN_EXPIRY_SECONDS = 15 * 60


@dataclass(frozen=True)
class Webhook:
    """What Razorpay POSTs: the raw body (sign and send these bytes as they are) and its headers."""

    event_id: str
    body: bytes
    headers: dict[str, str]

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


def razorpay_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(ALPHABET) for _ in range(14))


class RazorpayFake(HTTPFake):
    def __init__(self, *, key_id: str = "rzp_test_govchat", key_secret: str = "key-secret",
                 webhook_secret: str = "webhook-secret", account_id: str = "acc_GovchatDelhi01") -> None:  # fmt: skip
        super().__init__()
        self.key_id = key_id
        self.key_secret = key_secret
        self.webhook_secret = webhook_secret
        self.account_id = account_id
        self.mode = "ok"
        self.outage_status = 503
        self.slow_seconds = 3.0
        self.links: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}

    # Control.

    def sign(self, body: bytes) -> str:
        return hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    def link_by_reference(self, reference: str) -> dict:
        return next(link for link in self.links.values() if link["reference_id"] == reference)

    # What happens at Razorpay.

    def pay(self, link_id: str, *, method: str = "upi", amount: int | None = None, currency: str | None = None
            ) -> Webhook:  # fmt: skip
        """The payer pays the link: a captured payment, the link paid, and the `payment_link.paid` webhook.
        `amount` / `currency` make the payment differ from the link (as a buggy or tampered flow would)."""
        now = int(time.time())
        with self._lock:
            link = self.links[link_id]
            order_id = link.get("order_id") or razorpay_id("order")
            payment = {
                "id": razorpay_id("pay"), "entity": "payment", "amount": link["amount"] if amount is None else amount,
                "currency": currency or link["currency"], "status": "captured", "order_id": order_id,
                "invoice_id": None, "international": False, "method": method, "amount_refunded": 0,
                "refund_status": None, "captured": True, "description": "#" + link_id.removeprefix("plink_"),
                "card_id": None, "bank": None, "wallet": None, "vpa": "citizen@okaxis" if method == "upi" else None,
                "email": "void@razorpay.com", "contact": "+919800000001", "notes": [], "fee": 236, "tax": 36,
                "error_code": None, "error_description": None, "error_source": None, "error_step": None,
                "error_reason": None, "acquirer_data": {"rrn": str(now)}, "created_at": now,
            }  # fmt: skip
            self.payments[payment["id"]] = payment
            link.update(status="paid", amount_paid=payment["amount"], order_id=order_id, updated_at=now)
            link["payments"] = [*(link["payments"] or []), {
                "amount": payment["amount"], "created_at": now, "method": method, "payment_id": payment["id"],
                "plink_id": link_id, "status": "captured",
            }]  # fmt: skip
            order = {
                "id": order_id, "entity": "order", "amount": link["amount"], "amount_paid": payment["amount"],
                "amount_due": 0, "currency": link["currency"], "receipt": link["reference_id"], "offer_id": None,
                "status": "paid", "attempts": 1, "notes": link["notes"], "created_at": link["created_at"],
            }  # fmt: skip
            contains = {"payment_link": dict(link), "order": order, "payment": payment}
        return self.webhook("payment_link.paid", contains)

    def expire(self, link_id: str) -> Webhook:
        """Razorpay's clock passes the link's expire_by: the link expired, and the webhook."""
        with self._lock:
            link = self.links[link_id]
            link.update(status="expired", expired_at=int(time.time()), updated_at=int(time.time()))
            contains = {"payment_link": dict(link)}
        return self.webhook("payment_link.expired", contains)

    def webhook(self, event: str, entities: dict[str, dict], *, event_id: str | None = None) -> Webhook:
        """The event as Razorpay sends it: {entity, account_id, event, contains, payload, created_at}."""
        payload = {
            "entity": "event", "account_id": self.account_id, "event": event, "contains": list(entities),
            "payload": {name: {"entity": entity} for name, entity in entities.items()}, "created_at": int(time.time()),
        }  # fmt: skip
        body = json.dumps(payload, separators=(",", ":")).encode()
        event_id = event_id or razorpay_id("evt")
        headers = {"X-Razorpay-Signature": self.sign(body), "X-Razorpay-Event-Id": event_id}
        return Webhook(event_id=event_id, body=body, headers=headers)

    # Serving.

    def answer(self, request: RecordedRequest) -> Reply:
        if self.mode == "outage":
            return self.error_reply(self.outage_status)
        if self.mode == "slow":
            self.pause(self.slow_seconds)
        if self.mode == "malformed":
            return Reply(200, b'{"id": "plink_half an answ')
        if not self._authorised(request.headers):
            return json_reply(401, _error("BAD_REQUEST_ERROR", "Authentication failed"))
        parts = [p for p in request.path.split("/") if p]
        with self._lock:
            status, payload = self._route(request.method, parts, request.query, request.json)
        return json_reply(status, payload)

    def error_reply(self, status: int) -> Reply:
        """A 503 is the HTML page of what stands in front of Razorpay; another status, Razorpay's SERVER_ERROR."""
        if status == 503:
            return super().error_reply(status)
        return json_reply(status, _error("SERVER_ERROR", "The server encountered an error."))

    def _authorised(self, headers: dict) -> bool:
        expected = base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        return hmac.compare_digest(headers.get("authorization", ""), f"Basic {expected}")

    def _route(self, method: str, parts: list[str], query: dict, body: Any) -> tuple[int, dict]:
        if parts[:2] == ["v1", "payment_links"]:
            if method == "POST" and len(parts) == 2:
                return self._link_create(body)
            if method == "GET" and len(parts) == 2:
                found = [link for link in self.links.values()
                         if "reference_id" not in query or link["reference_id"] == query["reference_id"]]  # fmt: skip
                return 200, {"payment_links": found}
            link = self.links.get(parts[2]) if len(parts) > 2 else None
            if link is None:
                return 400, _bad("The id provided does not exist")
            if method == "GET" and len(parts) == 3:
                return 200, link
            if method == "POST" and parts[3:] == ["cancel"]:
                if link["status"] != "created":
                    return 400, _bad(f"Payment link cannot be cancelled as it is already {link['status']}")
                link.update(status="cancelled", cancelled_at=int(time.time()), updated_at=int(time.time()))
                return 200, link
        if parts[:2] == ["v1", "payments"] and len(parts) in (3, 4):
            payment = self.payments.get(parts[2])
            if payment is None:
                return 400, _bad("The id provided does not exist")
            if method == "GET" and len(parts) == 3:
                return 200, payment
            if method == "POST" and parts[3:] == ["refund"]:
                return self._refund(payment, body)
            if method == "GET" and parts[3:] == ["refunds"]:
                items = [r for r in self.refunds.values() if r["payment_id"] == payment["id"]]
                return 200, {"entity": "collection", "count": len(items), "items": items}
        return 404, {"error": {"code": "BAD_REQUEST_ERROR", "description": "The requested URL was not found on the "
                               "server."}}  # fmt: skip

    def _link_create(self, body: Any) -> tuple[int, dict]:
        if not isinstance(body, dict):
            return 400, _bad("The request body is not valid JSON")
        amount = body.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int):
            return 400, _bad("The amount must be an integer.")
        if amount < 100:
            return 400, _bad("The amount must be atleast INR 1.00")
        if body.get("currency", "INR") != "INR":
            return 400, _bad("The currency is invalid.")
        reference = body.get("reference_id")
        if reference is not None:
            if not isinstance(reference, str) or len(reference) > 40:
                return 400, _bad("The reference id may not be greater than 40 characters.")
            if any(link["reference_id"] == reference for link in self.links.values()):
                return 400, _bad(f"payment link with given reference_id {reference} already exists")
        now = int(time.time())
        expire_by = body.get("expire_by", 0)
        if expire_by and (not isinstance(expire_by, int) or expire_by < now + MIN_EXPIRY_SECONDS):
            return 400, _bad("expire_by should be at least 15 minutes after current time")
        link = {
            "accept_partial": bool(body.get("accept_partial", False)), "amount": amount, "amount_paid": 0,
            "callback_method": body.get("callback_method", ""), "callback_url": body.get("callback_url", ""),
            "cancelled_at": 0, "created_at": now, "currency": "INR", "customer": body.get("customer") or {},
            "description": body.get("description", ""), "expire_by": expire_by, "expired_at": 0,
            "first_min_partial_amount": 0, "id": razorpay_id("plink"), "notes": body.get("notes"),
            "notify": body.get("notify") or {"sms": True, "email": True}, "order_id": "", "payments": None,
            "reference_id": reference or "", "reminder_enable": bool(body.get("reminder_enable", True)),
            "reminders": [], "short_url": "https://rzp.io/i/" + secrets.token_urlsafe(6), "status": "created",
            "updated_at": now, "upi_link": False, "user_id": "",
        }  # fmt: skip
        self.links[link["id"]] = link
        return 200, link

    def _refund(self, payment: dict, body: Any) -> tuple[int, dict]:
        if not isinstance(body, dict):
            return 400, _bad("The request body is not valid JSON")
        amount = body.get("amount", payment["amount"] - payment["amount_refunded"])
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 100:
            return 400, _bad("The amount must be atleast INR 1.00")
        if payment["status"] not in ("captured", "refunded") or payment["amount_refunded"] >= payment["amount"]:
            return 400, _bad("The payment has been fully refunded already")
        if amount > payment["amount"] - payment["amount_refunded"]:
            return 400, _bad("The refund amount provided is greater than amount captured")
        refund = {
            "id": razorpay_id("rfnd"), "entity": "refund", "amount": amount, "currency": payment["currency"],
            "payment_id": payment["id"], "notes": body.get("notes") or [], "receipt": body.get("receipt"),
            "acquirer_data": {"arn": None}, "created_at": int(time.time()), "batch_id": None, "status": "processed",
            "speed_processed": "normal", "speed_requested": "normal",
        }  # fmt: skip
        self.refunds[refund["id"]] = refund
        payment["amount_refunded"] += amount
        if payment["amount_refunded"] >= payment["amount"]:
            payment.update(status="refunded", refund_status="full")
        else:
            payment["refund_status"] = "partial"
        return 200, refund


def _bad(description: str) -> dict:
    return _error("BAD_REQUEST_ERROR", description)


def _error(code: str, description: str) -> dict:
    return {"error": {"code": code, "description": description, "source": "NA", "step": "NA", "reason": "NA",
                      "metadata": {}}}  # fmt: skip
