"""Learning that a payment arrived, whichever way the news comes (the gateway's signed callback,
reconciliation, the sandbox's page), and what follows it, each once.

Every way ends in `payment_settle`, which holds the row locks of every payment for the same thing and moves
them only forward; money that does not match, or pays for what is already paid, is flagged (`_flag`) for an
officer, never applied."""

from __future__ import annotations

import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.applications.models import Application

from ..gateways import gateway_get
from ..gateways.base import CallbackEvent, GatewayState
from ..models import Payment, PaymentCallback

logger = logging.getLogger(__name__)

State = Payment.State


def _close(payment: Payment, to: str) -> bool:
    return bool(
        Payment.objects.filter(pk=payment.pk, state__in=[State.CREATED, State.PENDING]).update(
            state=to, closed_at=timezone.now(), updated_at=timezone.now()
        )
    )


def payment_settle(*, payment_id: int, found: GatewayState, source: str) -> str:
    """The gateway says this payment's link was paid: record it once and set off what follows.

    Returns "paid", "duplicate" (already recorded), or "flagged" (the money does not match, or what it pays
    for was paid already: an officer must refund).
    """
    with transaction.atomic():
        # Every payment for the same thing is locked, in one order: two links of one fee settled at the same
        # moment are settled one after the other (the second is then flagged, not lost).
        unlocked = Payment.objects.get(pk=payment_id)
        group = list(_family(unlocked).select_for_update().order_by("pk"))
        payment = next(member for member in group if member.pk == payment_id)
        if payment.state == State.PAID and payment.gateway_payment_id == (found.payment_id or None):
            return "duplicate"
        if payment.state == State.REFUNDED:
            return "duplicate"
        problem = ""
        if found.amount_paise is not None and found.amount_paise != payment.amount_paise:
            problem = f"the gateway says {found.amount_paise} paise were paid, we asked for {payment.amount_paise}"
        elif found.currency and found.currency.upper() != payment.currency:
            problem = f"paid in {found.currency}, asked in {payment.currency}"
        elif payment.state == State.PAID:
            problem = f"paid again ({found.payment_id}) after {payment.gateway_payment_id}"
        elif _sibling_paid(payment):
            problem = "what it pays for was already paid through another link: refund this one"
        if problem:
            _flag(payment, problem, found)
            # Its link is spent: close it, so the citizen asking to pay again gets a fresh one.
            _close(payment, State.FAILED)
            return "flagged"
        # A newer link for the same thing, still open, is closed: this one is what was paid. It is cancelled
        # at the gateway too, so the citizen cannot pay it a second time.
        still_open = [m.pk for m in group if m.pk != payment.pk and m.state in (State.CREATED, State.PENDING)]
        Payment.objects.filter(pk__in=still_open).update(
            state=State.EXPIRED, closed_at=timezone.now(), updated_at=timezone.now()
        )
        for pk in still_open:
            transaction.on_commit(lambda pk=pk: _cancel_task(pk), robust=True)
        Payment.objects.filter(pk=payment.pk).update(
            state=State.PAID, gateway_payment_id=found.payment_id or None, method=found.method[:30],
            paid_at=found.paid_at or timezone.now(), closed_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        logger.info("Payment %s paid (%s, via %s)", payment.reference, found.payment_id, source)
        transaction.on_commit(lambda: _paid_task(payment.pk), robust=True)
    return "paid"


def _family(payment: Payment):
    """Every payment for the same thing (the same application, or the same demand of the same service)."""
    if payment.application_id:
        return Payment.objects.filter(application_id=payment.application_id)
    if payment.demand_id:
        return Payment.objects.filter(service_id=payment.service_id, demand_id=payment.demand_id)
    return Payment.objects.filter(pk=payment.pk)


def _cancel_task(payment_id: int) -> None:
    from ..tasks import payment_link_cancel_task

    payment_link_cancel_task.delay(payment_id)


def _siblings(payment: Payment):
    return _family(payment).exclude(pk=payment.pk)


def _sibling_paid(payment: Payment) -> bool:
    return _siblings(payment).filter(state=State.PAID).exists()


def _flag(payment: Payment, problem: str, found: GatewayState) -> None:
    logger.error("Payment %s needs an officer: %s", payment.reference, problem)
    fields = {"needs_attention": True, "attention_reason": problem[:300], "updated_at": timezone.now()}
    if found.payment_id and not payment.gateway_payment_id:
        if not Payment.objects.filter(gateway_payment_id=found.payment_id).exists():
            fields["gateway_payment_id"] = found.payment_id
    Payment.objects.filter(pk=payment.pk).update(**fields)


def _paid_task(payment_id: int) -> None:
    from ..tasks import payment_paid_task

    payment_paid_task.delay(payment_id)


def payment_paid_effects(*, payment_id: int) -> None:
    """What follows a payment, each part once: the application goes to the department, the receipt is
    made and sent to the citizen."""
    from apps.applications.services import application_paid

    payment = Payment.objects.select_related("application").get(pk=payment_id)
    if payment.state != State.PAID:
        return
    if payment.application is not None and payment.application.state == Application.State.PAYMENT_PENDING:
        application_paid(application=payment.application)
    from ..receipts import receipt_issue

    receipt_issue(payment=payment)
    if payment.demand_id and payment.portal_notified_at is None:
        transaction.on_commit(lambda: _portal_notify_task(payment.pk), robust=True)


def _portal_notify_task(payment_id: int) -> None:
    from ..tasks import payment_portal_notify_task

    payment_portal_notify_task.delay(payment_id)


def payment_portal_notify(*, payment_id: int) -> bool:
    """Tell the department's portal that its demand was paid here (with our reference as the idempotency
    key, so telling it twice records one payment). Raises PortalUnavailable to be retried."""
    from apps.portals.services import portal_dues_paid

    payment = Payment.objects.select_related("service").get(pk=payment_id)
    if not payment.demand_id or payment.portal_notified_at is not None or payment.state != State.PAID:
        return False
    from apps.portals.base import PortalRefused

    try:
        portal_dues_paid(service=payment.service, demand_id=payment.demand_id, reference=payment.reference,
                         amount_paise=payment.amount_paise, paid_at=payment.paid_at)  # fmt: skip
    except PortalRefused as refused:  # (paid already under another reference, or unknown): a person decides
        _flag(payment, f"the department's portal refused the payment: {refused}"[:300], GatewayState("paid"))
        return False
    Payment.objects.filter(pk=payment.pk, portal_notified_at__isnull=True).update(portal_notified_at=timezone.now())
    return True


def payment_callback_receive(*, provider: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """A gateway's callback: (HTTP status, outcome). Every callback is kept with its verdict; only a signed
    one about a payment of ours, with our amount and currency, changes anything, and only once."""
    try:
        gateway = gateway_get(provider)
    except LookupError:
        return 404, "unknown gateway"
    valid = gateway.callback_verify(body=body, headers=headers)
    fallback_id = "sha256:" + hashlib.sha256(body).hexdigest()
    if not valid:
        # Only the start of an unsigned body is kept: anyone can post, and the table must not fill with it.
        _callback_keep(provider, fallback_id, body[:2000], valid=False, outcome="rejected",
                       detail="bad or missing signature")  # fmt: skip
        logger.warning("%s callback with a bad or missing signature refused", provider)
        return (401 if not _has_signature(headers) else 403), "rejected"
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        event = gateway.callback_read(payload, headers=headers)
    except (ValueError, KeyError, TypeError) as error:
        _callback_keep(provider, fallback_id, body, valid=True, outcome="rejected", detail=f"unreadable: {error}")
        return 400, "rejected"
    with transaction.atomic():
        # The record and what it changes commit together: if applying it fails, the gateway's retry of the
        # same event is applied then, not taken for a replay.
        return _callback_apply(provider, event, body, fallback_id)


def _callback_apply(provider: str, event: CallbackEvent, body: bytes, fallback_id: str) -> tuple[int, str]:
    payment = _payment_for_event(provider, event)
    record = _callback_keep(provider, event.event_id or fallback_id, body, valid=True, outcome="ignored",
                            detail="", payment=payment)  # fmt: skip
    if record is None:
        return 200, "duplicate"  # a replay: the first one was applied
    if payment is None:
        _callback_update(record, "rejected", f"no payment of ours for {event.order_id or event.reference}")
        logger.warning("%s callback %s for an unknown payment", provider, event.event_id)
        return 200, "rejected"  # acknowledged, so the gateway stops resending what we can never apply
    if event.kind == "paid":
        found = GatewayState(state="paid", payment_id=event.payment_id, amount_paise=event.amount_paise,
                             currency=event.currency, method=event.method)  # fmt: skip
        result = payment_settle(payment_id=payment.pk, found=found, source=f"{provider} callback")
        _callback_update(record, {"paid": "applied", "duplicate": "duplicate"}.get(result, "rejected"), result)
        return 200, result
    if event.kind in ("failed", "expired"):
        to = State.FAILED if event.kind == "failed" else State.EXPIRED
        moved = _close(payment, to)
        _callback_update(record, "applied" if moved else "ignored", event.kind)
        if moved and to == State.FAILED:
            transaction.on_commit(lambda: _failed_task(payment.pk), robust=True)
        return 200, event.kind
    return 200, "ignored"


def _has_signature(headers: dict[str, str]) -> bool:
    lowered = {k.lower() for k in headers}
    return bool(lowered & {"x-razorpay-signature", "x-sandbox-signature"})


def _payment_for_event(provider: str, event: CallbackEvent) -> Payment | None:
    if event.order_id:
        found = Payment.objects.filter(provider=provider, gateway_order_id=event.order_id).first()
        if found is not None:
            return found
    if event.reference:
        return Payment.objects.filter(provider=provider, reference=event.reference.upper()).first()
    return None


def _callback_keep(provider, event_id, body, *, valid, outcome, detail, payment=None) -> PaymentCallback | None:
    """Keep the callback once (None when this event was kept before: a replay)."""
    try:
        with transaction.atomic():
            return PaymentCallback.objects.create(
                provider=provider, event_id=event_id[:200], body=body.decode("utf-8", "replace")[:100_000],
                signature_valid=valid, outcome=outcome, detail=detail[:300], payment=payment,
            )  # fmt: skip
    except IntegrityError:
        return None


def _callback_update(record: PaymentCallback, outcome: str, detail: str) -> None:
    PaymentCallback.objects.filter(pk=record.pk).update(outcome=outcome, detail=detail[:300])


def _failed_task(payment_id: int) -> None:
    from ..tasks import payment_failed_task

    payment_failed_task.delay(payment_id)
