"""Razorpay Payment Links, through Razorpay's own Python SDK (`razorpay`).

A payment is one Payment Link: our DLP reference is its `reference_id` (Razorpay keeps it unique) and is in
its notes; the amount is in paise; Razorpay sends no SMS or email (the link goes out on WhatsApp) and no
partial payments are allowed. Razorpay tells us about payments by signed webhooks, configured on its
dashboard to POST to /payments/callback/razorpay/ with the `payment_link.*` events.

The SDK sets no timeouts of its own, so every call goes through a session that always passes
(connect, read) = PAYMENT_TIMEOUT. What the SDK raises is turned into ours: a 4xx with Razorpay's reason
(BadRequestError) is `GatewayRefused`; a 5xx, a network failure, a timeout or an answer that is not JSON is
`GatewayError` (try later).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import razorpay
import requests
from django.conf import settings
from django.utils import timezone
from razorpay import errors as razorpay_errors

from .base import CallbackEvent, GatewayError, GatewayRefused, GatewayState, Link

if TYPE_CHECKING:
    from ..models import Payment

logger = logging.getLogger(__name__)

# Razorpay refuses a link that expires less than 15 minutes after it is made; one more minute for clocks.
MIN_LINK_LIFE = timedelta(minutes=16)
SIGNATURE_HEADER = "x-razorpay-signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
LINK_STATES = {"created": "pending", "partially_paid": "pending", "paid": "paid", "expired": "expired",
               "cancelled": "cancelled"}  # fmt: skip


class TimeoutSession(requests.Session):
    """A requests session whose every request has a (connect, read) timeout, whatever the caller passed."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = (timeout, timeout)

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


class RazorpayGateway:
    name = "razorpay"

    def __init__(self, *, key_id: str, key_secret: str, webhook_secret: str, base_url: str, timeout: float) -> None:
        self.webhook_secret = webhook_secret or ""
        self.client = razorpay.Client(
            auth=(key_id or "", key_secret or ""), base_url=base_url.rstrip("/"), session=TimeoutSession(timeout)
        )
        self.client.set_app_details({"title": "govchat"})

    # Links.

    def link_create(self, payment: Payment, *, callback_url: str, expires_at: datetime) -> Link:
        """A Payment Link for the payment. `callback_url` (our webhook endpoint) is not given to Razorpay: its
        callback_url is where the payer's browser goes afterwards, and Razorpay's own receipt page serves
        better than a page of ours; the webhooks themselves are set on Razorpay's dashboard."""
        expires_at = max(expires_at, timezone.now() + MIN_LINK_LIFE)
        data = {
            "amount": int(payment.amount_paise),
            "currency": payment.currency or "INR",
            "accept_partial": False,
            "reference_id": payment.reference,
            "description": payment.description_en[:2048],
            "expire_by": int(expires_at.timestamp()),
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "notes": {"reference": payment.reference, "purpose": payment.purpose},
        }
        try:
            answer = self._call("create a payment link", self.client.payment_link.create, data)
        except GatewayRefused:
            # A call that timed out may have made the link after all: Razorpay then refuses the same
            # reference_id again. An open link of ours with this reference and amount is that link.
            answer = self._open_link_for(payment)
            if answer is None:
                raise
        try:
            expire_by = int(answer.get("expire_by") or 0)
            return Link(
                order_id=str(answer["id"]),
                url=str(answer["short_url"]),
                expires_at=datetime.fromtimestamp(expire_by, tz=UTC) if expire_by else expires_at,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise GatewayError(f"Razorpay's payment link makes no sense: {error!r}") from error

    def _open_link_for(self, payment: Payment) -> dict | None:
        try:
            found = self._call("find a payment link", self.client.payment_link.all, {"reference_id": payment.reference})
        except GatewayError:
            return None
        for link in found.get("payment_links") or []:
            if (isinstance(link, dict) and link.get("reference_id") == payment.reference
                    and link.get("status") == "created" and link.get("amount") == payment.amount_paise):  # fmt: skip
                logger.warning("Payment %s: reusing Razorpay link %s made earlier", payment.reference, link.get("id"))
                return link
        return None

    def link_state(self, payment: Payment) -> GatewayState:
        if not payment.gateway_order_id:
            raise GatewayError(f"Payment {payment.reference} has no Razorpay link")
        link = self._call("fetch a payment link", self.client.payment_link.fetch, payment.gateway_order_id)
        status = LINK_STATES.get(str(link.get("status")))
        if status is None:
            logger.warning("Razorpay link %s in an unknown state %r", payment.gateway_order_id, link.get("status"))
            return GatewayState(state="pending")
        if status != "paid":
            return GatewayState(state=status)
        captured = [p for p in link.get("payments") or [] if isinstance(p, dict) and p.get("status") == "captured"]
        if not captured:
            raise GatewayError(f"Razorpay says link {payment.gateway_order_id} is paid but lists no captured payment")
        paid = max(captured, key=lambda p: p.get("created_at") or 0)
        try:
            created = int(paid.get("created_at") or 0)
            return GatewayState(
                state="paid",
                payment_id=str(paid["payment_id"]),
                amount_paise=_paise(paid["amount"]),
                currency=str(link.get("currency") or ""),
                paid_at=datetime.fromtimestamp(created, tz=UTC) if created else None,
                method=str(paid.get("method") or ""),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise GatewayError(f"Razorpay's payment makes no sense: {error!r}") from error

    # Webhooks.

    def callback_verify(self, *, body: bytes, headers: dict[str, str]) -> bool:
        """The hex HMAC-SHA256 of the raw body, with the webhook secret, as Razorpay signs it."""
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            return False
        if not self.webhook_secret:
            logger.error("RAZORPAY_WEBHOOK_SECRET is not set: every Razorpay webhook is refused")
            return False
        expected = hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace"))

    def callback_read(self, payload: dict, headers: dict[str, str] | None = None) -> CallbackEvent:
        """What a webhook says. Its id is Razorpay's `x-razorpay-event-id` header when the headers are given,
        else empty (the caller then keys replays on a hash of the body, which Razorpay resends unchanged).

        A failed payment (`payment.failed`) is one attempt: the link stays open for the citizen to try
        again, so it is "other", not "failed"; only the link's own events close it.
        """
        event_id = _header(headers or {}, EVENT_ID_HEADER)[:200]
        name = payload["event"]
        if not isinstance(name, str):
            raise TypeError("event is not a string")
        body = payload.get("payload") or {}
        link = _entity(body, "payment_link")
        common = {"event_id": event_id, "order_id": str(link.get("id") or ""),
                  "reference": str(link.get("reference_id") or "")}  # fmt: skip
        if name == "payment_link.paid":
            paid = _entity(body, "payment")
            if not common["order_id"] or not paid.get("id"):
                raise KeyError("payment_link.paid without its link or payment")
            return CallbackEvent(
                kind="paid", payment_id=str(paid["id"]), amount_paise=_paise(paid["amount"]),
                currency=str(paid["currency"]), method=str(paid.get("method") or ""), **common,
            )  # fmt: skip
        if name in ("payment_link.expired", "payment_link.cancelled"):
            return CallbackEvent(kind="expired", **common)
        paid = _entity(body, "payment")
        return CallbackEvent(kind="other", payment_id=str(paid.get("id") or ""), **common)

    # Refunds.

    def link_cancel(self, payment: Payment) -> None:
        if not payment.gateway_order_id:
            return
        try:
            self._call("cancel a payment link", self.client.payment_link.cancel, payment.gateway_order_id)
        except GatewayRefused:  # already paid, expired or cancelled: nothing left to close
            logger.info("Razorpay link %s was not open to cancel", payment.gateway_order_id)

    def refund(self, payment: Payment, *, reason: str) -> str:
        """Refund the whole payment, as Razorpay captured it (a flagged payment may differ from what we
        asked); Razorpay's refund id ("rfnd_…")."""
        if not payment.gateway_payment_id:
            raise GatewayRefused(f"Payment {payment.reference} has no Razorpay payment to refund")
        paid = self._call("fetch a payment", self.client.payment.fetch, payment.gateway_payment_id)
        try:
            remaining = _paise(paid["amount"]) - _paise(paid.get("amount_refunded") or 0)
        except (KeyError, TypeError) as error:
            raise GatewayError(f"Razorpay's payment makes no sense: {error!r}") from error
        if remaining <= 0:
            # Refunded already: by an earlier call whose answer was lost, or on Razorpay's dashboard.
            earlier = self._earlier_refund(payment)
            if earlier is None:
                raise GatewayRefused(f"Razorpay payment {payment.gateway_payment_id} is refunded already")
            return earlier
        data = {"amount": remaining, "receipt": payment.reference,
                "notes": {"reference": payment.reference, "reason": reason[:250]}}  # fmt: skip
        answer = self._call("refund a payment", self.client.payment.refund, payment.gateway_payment_id, data)
        refund_id = answer.get("id")
        if not isinstance(refund_id, str) or not refund_id:
            raise GatewayError("Razorpay's refund has no id")
        return refund_id

    def _earlier_refund(self, payment: Payment) -> str | None:
        found = self._call("list refunds", self.client.payment.fetch_multiple_refund, payment.gateway_payment_id)
        done = [
            r for r in found.get("items") or [] if isinstance(r, dict) and r.get("status") in ("pending", "processed")
        ]
        if not done:
            return None
        latest = max(done, key=lambda r: r.get("created_at") or 0)
        logger.warning("Payment %s was refunded at Razorpay already (%s)", payment.reference, latest.get("id"))
        return str(latest.get("id") or "") or None

    # Calls.

    def _call(self, what: str, function: Callable[..., Any], *args: Any) -> dict:
        try:
            answer = function(*args)
        except razorpay_errors.BadRequestError as error:
            raise GatewayRefused(f"Razorpay refused to {what}: {error}") from error
        except (razorpay_errors.ServerError, razorpay_errors.GatewayError) as error:
            raise GatewayError(f"Razorpay failed to {what}: {error}") from error
        except (requests.RequestException, ValueError) as error:  # timeouts, refused connections, not JSON
            raise GatewayError(f"Razorpay could not be asked to {what}: {error!r}") from error
        if not isinstance(answer, dict):
            raise GatewayError(f"Razorpay's answer to {what} is not an object")
        return answer


def _header(headers: dict[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value or "")
    return ""


def _entity(body: Any, name: str) -> dict:
    if not isinstance(body, dict):
        raise TypeError("payload is not an object")
    wrapper = body.get(name) or {}
    entity = (wrapper.get("entity") if isinstance(wrapper, dict) else None) or {}
    if not isinstance(entity, dict):
        raise TypeError(f"{name} is not an object")
    return entity


def _paise(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"amount {value!r} is not a whole number of paise")
    return value


def gateway() -> RazorpayGateway:
    return RazorpayGateway(
        key_id=settings.RAZORPAY_KEY_ID,
        key_secret=settings.RAZORPAY_KEY_SECRET,
        webhook_secret=settings.RAZORPAY_WEBHOOK_SECRET,
        base_url=settings.RAZORPAY_BASE_URL,
        timeout=settings.PAYMENT_TIMEOUT,
    )
