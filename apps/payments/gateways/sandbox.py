"""The sandbox gateway: the embedded default, so the demo runs end to end with no account anywhere.

It stands in for a real gateway's servers. Its book is `SandboxOrder`; its checkout page is
`apps.payments.checkout` (/pay/<order_id>/), where the person taps pay or fail. It then calls back exactly
like a real gateway: a JSON event signed `X-Sandbox-Signature: sha256=<HMAC-SHA256 of the raw body>` with
PAYMENT_SANDBOX_SECRET, POSTed to the order's callback URL from a Celery task that retries. Because the
worker may lag in the embedded setup, the checkout page also hands the very same signed bytes to
`services.payment_callback_receive` at once; the service keeps each event once, so the second is a replay.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..models import Payment, SandboxOrder
from .base import CallbackEvent, GatewayError, GatewayRefused, GatewayState, Link

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
EVENTS = {"payment.paid": "paid", "payment.failed": "failed"}
METHODS = ("upi", "card", "netbanking")
ORDER_ID_RE = re.compile(r"sbx_[0-9a-f]{20}")
# name@bank, loosely: what NPCI allows in a handle, and a bank part of letters.
UPI_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}")
State = SandboxOrder.State


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def sign(body: bytes) -> str:
    """The signature header's value for a raw body."""
    digest = hmac.new(settings.PAYMENT_SANDBOX_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _description(payment: Payment) -> str:
    """English, then Hindi on the next line, within the order's 300 characters."""
    english, hindi = payment.description_en.strip(), payment.description_hi.strip()
    if not hindi or hindi == english:
        return english[:300]
    if len(english) + len(hindi) + 1 > 300:
        english, hindi = english[:149], hindi[:150]
    return f"{english}\n{hindi}"


class SandboxGateway:
    name = "sandbox"

    def link_create(self, payment: Payment, *, callback_url: str, expires_at: datetime) -> Link:
        order = SandboxOrder.objects.create(
            order_id=_new_id("sbx"), reference=payment.reference, description=_description(payment),
            amount_paise=payment.amount_paise, currency=payment.currency, callback_url=callback_url,
            expires_at=expires_at,
        )  # fmt: skip
        url = settings.SITE_URL.rstrip("/") + reverse("checkout:page", args=[order.order_id])
        return Link(order_id=order.order_id, url=url, expires_at=order.expires_at)

    def link_state(self, payment: Payment) -> GatewayState:
        order = SandboxOrder.objects.filter(order_id=payment.gateway_order_id or "").first()
        if order is None:
            raise GatewayRefused(f"No sandbox order {payment.gateway_order_id!r}")
        if order.state in (State.PAID, State.REFUNDED):  # a refunded link was still paid, as at a real gateway
            return GatewayState(state="paid", payment_id=order.payment_id or "", amount_paise=order.amount_paise,
                                currency=order.currency, paid_at=order.paid_at, method=order.method)  # fmt: skip
        if order.state == State.FAILED:
            return GatewayState(state="failed", method=order.method)
        if order.state == State.EXPIRED or order.expires_at <= timezone.now():
            return GatewayState(state="expired")
        return GatewayState(state="pending")

    def callback_verify(self, *, body: bytes, headers: dict[str, str]) -> bool:
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        return bool(given) and hmac.compare_digest(given.strip().encode(), sign(body).encode())

    def callback_read(self, payload: dict, headers: dict[str, str] | None = None) -> CallbackEvent:
        amount = payload.get("amount")
        return CallbackEvent(
            event_id=str(payload["event_id"]), kind=EVENTS.get(payload["event"], "other"),
            order_id=str(payload.get("order_id") or ""), reference=str(payload.get("reference") or ""),
            payment_id=str(payload.get("payment_id") or ""), amount_paise=None if amount is None else int(amount),
            currency=str(payload.get("currency") or ""), method=str(payload.get("method") or ""),
        )  # fmt: skip

    def link_cancel(self, payment: Payment) -> None:
        SandboxOrder.objects.filter(order_id=payment.gateway_order_id or "", state=State.CREATED).update(
            state=State.EXPIRED, updated_at=timezone.now()
        )

    def refund(self, payment: Payment, *, reason: str) -> str:
        with transaction.atomic():
            order = SandboxOrder.objects.select_for_update().filter(order_id=payment.gateway_order_id or "").first()
            if order is None or not order.payment_id or order.payment_id != payment.gateway_payment_id:
                raise GatewayRefused("The sandbox holds no such payment to refund.")
            if order.state == State.REFUNDED:
                return order.refund_id or ""
            if order.state != State.PAID:
                raise GatewayRefused(f"A {order.state} sandbox order cannot be refunded.")
            order.state, order.refund_id = State.REFUNDED, _new_id("rfnd_sbx")
            order.save(update_fields=["state", "refund_id", "updated_at"])
        logger.info("Sandbox refund %s of %s: %s", order.refund_id, order.payment_id, reason)
        return order.refund_id


def gateway() -> SandboxGateway:
    return SandboxGateway()


# The checkout page's side: what a real gateway does when the person pays, and its callback.


@dataclass(frozen=True)
class Outcome:
    """What a tap at the checkout did: the order as it now stands, and the event it sent (None: nothing,
    because the order was not open any more: a double click, or a link past its time)."""

    order: SandboxOrder
    body: bytes | None


def order_open(order: SandboxOrder) -> bool:
    return order.state == State.CREATED and order.expires_at > timezone.now()


def checkout_complete(*, order_id: str, paid: bool, method: str) -> Outcome:
    """The person tapped pay (or fail) at the checkout: close the order once, under its row lock, and call
    back. Raises SandboxOrder.DoesNotExist for an unknown order."""
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}")
    with transaction.atomic():
        order = SandboxOrder.objects.select_for_update().get(order_id=order_id)
        if not order_open(order):
            return Outcome(order=order, body=None)
        now = timezone.now()
        if paid:
            order.state, order.payment_id, order.paid_at = State.PAID, _new_id("pay_sbx"), now
        else:
            order.state = State.FAILED
        order.method = method
        order.save(update_fields=["state", "payment_id", "paid_at", "method", "updated_at"])
        body = _event(order, now)
        transaction.on_commit(lambda: _deliver_later(order.order_id, body), robust=True)
    _apply_now(body)
    return Outcome(order=order, body=body)


def _event(order: SandboxOrder, at: datetime) -> bytes:
    event = {
        "event": "payment.paid" if order.state == State.PAID else "payment.failed",
        "event_id": _new_id("evt"), "order_id": order.order_id, "reference": order.reference,
        "payment_id": order.payment_id or "", "amount": order.amount_paise, "currency": order.currency,
        "method": order.method, "created_at": int(at.timestamp()),
    }  # fmt: skip
    return json.dumps(event, separators=(",", ":")).encode()


def _headers(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": "govchat-sandbox-gateway/1", SIGNATURE_HEADER: sign(body)}


def _deliver_later(order_id: str, body: bytes) -> None:
    from ..tasks import sandbox_callback_task

    sandbox_callback_task.delay(order_id, body.decode())


def _apply_now(body: bytes) -> None:
    """The same signed bytes, applied in this process, so the page is right even while the worker lags.
    A failure here is only logged: the HTTP callback (with its retries) and reconciliation still come."""
    from ..services import payment_callback_receive

    try:
        status, result = payment_callback_receive(provider="sandbox", body=body, headers=_headers(body))
    except Exception:
        logger.exception("Sandbox: applying the callback in-process failed; the HTTP callback will follow")
        return
    logger.info("Sandbox callback applied in-process: %s %s", status, result)


def callback_deliver(*, order_id: str, body: str) -> int:
    """POST the signed event to the order's callback URL, as a real gateway does. Raises GatewayError when
    it did not arrive (no answer, or not a 2xx), so that the task tries again; returns the HTTP status."""
    order = SandboxOrder.objects.filter(order_id=order_id).first()
    if order is None:
        raise GatewayRefused(f"No sandbox order {order_id!r}")
    raw = body.encode()
    timeout = (min(settings.PAYMENT_TIMEOUT, 5.0), settings.PAYMENT_TIMEOUT)
    try:
        response = requests.post(order.callback_url, data=raw, headers=_headers(raw), timeout=timeout)
    except requests.RequestException as error:
        raise GatewayError(f"Sandbox callback to {order.callback_url} failed: {error}") from error
    if not 200 <= response.status_code < 300:
        raise GatewayError(f"Sandbox callback to {order.callback_url} answered {response.status_code}")
    return response.status_code
