"""Payments: asking for money, learning that it arrived, and what follows (the application moves on, the
receipt goes to the citizen), once, whichever way the news comes.

News of a payment comes three ways, in any order and any number of times: the gateway's signed callback,
the reconciliation on beat that asks the gateway about links still open, and (for the sandbox) its
checkout page. All of them end in `payment_settle`, which holds the payment's row lock and moves it only
forward, so a late or repeated callback is applied exactly once. Money never moves silently where it
should not: an amount or currency that does not match, or a second payment for what is already paid, is
flagged for an officer (`needs_attention`), who refunds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from apps.applications.models import Application
from apps.conversations.models import Conversation
from apps.core.exceptions import ApplicationError
from apps.core.references import reference_unique
from apps.services.models import Service

from . import texts
from .gateways import gateway_get
from .gateways.base import CallbackEvent, GatewayError, GatewayRefused, GatewayState
from .models import Payment, PaymentCallback

logger = logging.getLogger(__name__)

State = Payment.State
PURPOSE_BY_SERVICE = {"MCD-PTAX": Payment.Purpose.PROPERTY_TAX, "DJB-BILL": Payment.Purpose.WATER_BILL,
                      "TPT-CHALLAN": Payment.Purpose.CHALLAN}  # fmt: skip


@dataclass(frozen=True)
class Demand:
    """What a department says is due (a tax demand, a bill, a challan), as its portal gave it."""

    demand_id: str
    description_en: str
    description_hi: str
    breakup: list[dict]  # [{"label_en", "label_hi", "amount_paise"}]
    amount_paise: int


def callback_url(provider: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("payments:callback", args=[provider])


# Asking for money.


def payment_for_application(*, application: Application) -> Payment:
    """The fee payment of an application waiting for it, with a checkout link: the one already open if
    there is one (a second "pay" reuses it), else a new one. Raises GatewayError when no link can be made
    now (the payment row stays, without a link, and the next attempt tries again)."""
    if application.state != Application.State.PAYMENT_PENDING or application.fee <= 0:
        raise ApplicationError("This application has no fee waiting to be paid.")
    service = application.service
    description_en = f"{service.name_en}: application fee ({application.reference})"
    description_hi = f"{service.name_hi}: आवेदन शुल्क ({application.reference})"
    paise = int(application.fee * 100)
    return _payment_open(
        lookup=Q(application=application), service=service, conversation=application.conversation,
        values={"purpose": Payment.Purpose.APPLICATION_FEE, "application": application,
                "description_en": description_en, "description_hi": description_hi, "amount_paise": paise,
                "breakup": [{"label_en": "Application fee", "label_hi": "आवेदन शुल्क", "amount_paise": paise}]},
    )  # fmt: skip


def payment_for_demand(*, service: Service, conversation: Conversation, demand: Demand) -> Payment:
    """The payment of a department's demand (tax, bill, challan), with a checkout link; as above."""
    if demand.amount_paise <= 0:
        raise ApplicationError("Nothing is due.")
    return _payment_open(
        lookup=Q(service=service, demand_id=demand.demand_id), service=service, conversation=conversation,
        values={"purpose": PURPOSE_BY_SERVICE.get(service.code, Payment.Purpose.PROPERTY_TAX),
                "demand_id": demand.demand_id[:100], "description_en": demand.description_en[:300],
                "description_hi": demand.description_hi[:300], "breakup": demand.breakup,
                "amount_paise": demand.amount_paise},
    )  # fmt: skip


MIN_PAISE = 100  # ₹1: gateways refuse less


def _payment_open(*, lookup: Q, service: Service, conversation: Conversation, values: dict) -> Payment:
    if values["amount_paise"] < MIN_PAISE:
        raise ApplicationError("An amount under ₹1 cannot be paid online.")
    live = Payment.objects.filter(lookup, state__in=Payment.LIVE).first()
    if live is not None and live.state == State.PAID:
        return live
    if live is not None and live.state in (State.PENDING, State.CREATED) and live.citizen_id != conversation.citizen_id:
        # Someone else (a family member, a tenant) has a link open for this bill: it is theirs to pay, and
        # the receipt goes to them. This citizen can pay once it lapses.
        raise ApplicationError("A payment for this is already open from another WhatsApp number.")
    if live is not None and live.state == State.PENDING:
        margin = timezone.now() + timedelta(minutes=5)
        if live.expires_at and live.expires_at > margin:
            return live  # the link already sent still works: no second link, no second charge
        _expire_if_unpaid(live)
        live.refresh_from_db()
        if live.state == State.PAID:
            return live
        if live.state == State.PENDING and _close(live, State.EXPIRED):  # minutes left: close it, here and there
            payment_link_cancel(payment_id=live.pk)
        live = Payment.objects.filter(lookup, state__in=Payment.LIVE).first()
        if live is not None and live.state == State.PAID:
            return live
    if live is None:
        try:
            with transaction.atomic():
                live = Payment.objects.create(
                    reference=reference_unique(model=Payment, prefix="DLP"), service=service,
                    citizen=conversation.citizen, conversation=conversation, provider=settings.PAYMENT_GATEWAY,
                    currency="INR", **values,
                )  # fmt: skip
        except IntegrityError:  # the same demand, twice at once: one payment
            live = Payment.objects.get(lookup, state__in=Payment.LIVE)
            if live.state != State.CREATED:
                return live
    return _link(live)


def _link(payment: Payment) -> Payment:
    """Give a created payment its checkout link (a call to the gateway, outside any transaction)."""
    gateway = gateway_get(payment.provider)
    expires_at = timezone.now() + timedelta(minutes=settings.PAYMENT_LINK_MINUTES)
    link = gateway.link_create(payment, callback_url=callback_url(payment.provider), expires_at=expires_at)
    updated = Payment.objects.filter(pk=payment.pk, state=State.CREATED).update(
        state=State.PENDING, gateway_order_id=link.order_id[:100], checkout_url=link.url[:500],
        expires_at=link.expires_at, updated_at=timezone.now(),
    )  # fmt: skip
    payment.refresh_from_db()
    if not updated:
        logger.warning("Payment %s changed while its link was made; link %s unused", payment.reference, link.order_id)
    return payment


def _expire_if_unpaid(payment: Payment) -> None:
    """A link past its time: ask the gateway once more (it may have been paid a moment ago), then close it."""
    try:
        found = gateway_get(payment.provider).link_state(payment)
    except GatewayError:
        logger.warning("Payment %s: gateway not answering; expiry left for later", payment.reference, exc_info=True)
        return
    if found.state == "paid":
        payment_settle(payment_id=payment.pk, found=found, source="expiry check")
    elif found.state in ("expired", "cancelled") or (payment.expires_at and payment.expires_at <= timezone.now()):
        _close(payment, State.EXPIRED)


def _close(payment: Payment, to: str) -> bool:
    return bool(
        Payment.objects.filter(pk=payment.pk, state__in=[State.CREATED, State.PENDING]).update(
            state=to, closed_at=timezone.now(), updated_at=timezone.now()
        )
    )


# Learning that it arrived.


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
    from .tasks import payment_link_cancel_task

    payment_link_cancel_task.delay(payment_id)


def payment_link_cancel(*, payment_id: int) -> None:
    """Close at the gateway the link of a payment we closed (a gateway that cannot be reached now is only
    logged: if the old link is paid after all, that payment is flagged for a refund, never applied)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.state not in (State.EXPIRED, State.FAILED) or not payment.gateway_order_id:
        return
    try:
        gateway_get(payment.provider).link_cancel(payment)
    except GatewayError:
        logger.warning("Payment %s: its link could not be cancelled at the gateway", payment.reference, exc_info=True)


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
    from .tasks import payment_paid_task

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
    from .receipts import receipt_issue

    receipt_issue(payment=payment)
    if payment.demand_id and payment.portal_notified_at is None:
        transaction.on_commit(lambda: _portal_notify_task(payment.pk), robust=True)


def _portal_notify_task(payment_id: int) -> None:
    from .tasks import payment_portal_notify_task

    payment_portal_notify_task.delay(payment_id)


def payment_portal_notify(*, payment_id: int) -> bool:
    """Tell the department's portal that its demand was paid here (with our reference as the idempotency
    key, so telling it twice records one payment). Raises PortalUnavailable to be retried."""
    from apps.applications.portals.services import portal_dues_paid

    payment = Payment.objects.select_related("service").get(pk=payment_id)
    if not payment.demand_id or payment.portal_notified_at is not None or payment.state != State.PAID:
        return False
    from apps.applications.portals.base import PortalRefused

    try:
        portal_dues_paid(service=payment.service, demand_id=payment.demand_id, reference=payment.reference,
                         amount_paise=payment.amount_paise, paid_at=payment.paid_at)  # fmt: skip
    except PortalRefused as refused:  # (paid already under another reference, or unknown): a person decides
        _flag(payment, f"the department's portal refused the payment: {refused}"[:300], GatewayState("paid"))
        return False
    Payment.objects.filter(pk=payment.pk, portal_notified_at__isnull=True).update(portal_notified_at=timezone.now())
    return True


def payments_effects_unfinished(*, limit: int = 200) -> list[int]:
    """Paid payments whose effects have not happened ten minutes on (the task was lost with the broker, or
    failed): no receipt yet, or the application still waiting for its fee."""
    cutoff = timezone.now() - timedelta(minutes=10)
    return list(
        Payment.objects.filter(state=State.PAID, paid_at__lt=cutoff)
        .filter(Q(receipt__isnull=True) | Q(application__state=Application.State.PAYMENT_PENDING))
        .values_list("pk", flat=True)[:limit]
    )


def payments_portal_unnotified(*, limit: int = 200) -> list[int]:
    """Paid demands whose portal has not been told after ten minutes (the task's retries ran out)."""
    cutoff = timezone.now() - timedelta(minutes=10)
    return list(
        Payment.objects.filter(state=State.PAID, portal_notified_at__isnull=True, paid_at__lt=cutoff)
        .exclude(demand_id="")
        .exclude(needs_attention=True)
        .values_list("pk", flat=True)[:limit]
    )


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
    from .tasks import payment_failed_task

    payment_failed_task.delay(payment_id)


# Reconciliation (beat).


def payments_to_reconcile(*, limit: int = 500) -> list[int]:
    """Open payments older than PAYMENT_RECONCILE_AFTER_MINUTES not asked about in as long."""
    cutoff = timezone.now() - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return list(
        Payment.objects.filter(state__in=[State.CREATED, State.PENDING], created_at__lt=cutoff, needs_attention=False)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def payment_reconcile(*, payment_id: int) -> str:
    """Ask the gateway about one open payment: settle what was paid without our hearing, close what
    expired or failed. Safe to run twice and beside callbacks (they meet in `payment_settle`)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.state not in (State.CREATED, State.PENDING):
        return "closed"
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
    if payment.state == State.CREATED or not payment.gateway_order_id:
        if payment.created_at < timezone.now() - timedelta(minutes=settings.PAYMENT_LINK_MINUTES):
            _close(payment, State.EXPIRED)  # its link was never made, and nobody asked again
            return "expired"
        return "no link"
    try:
        found = gateway_get(payment.provider).link_state(payment)
    except GatewayRefused as error:  # the gateway does not know the link: asking again will not help
        _flag(payment, f"the gateway does not know link {payment.gateway_order_id}: {error}"[:300], GatewayState("?"))
        _close(payment, State.FAILED)
        return "flagged"
    except GatewayError:
        logger.warning("Payment %s: gateway not answering", payment.reference, exc_info=True)
        return "unreachable"
    if found.state == "paid":
        return payment_settle(payment_id=payment.pk, found=found, source="reconciliation")
    if found.state in ("expired", "cancelled") or (payment.expires_at and payment.expires_at <= timezone.now()):
        return "expired" if _close(payment, State.EXPIRED) else "closed"
    if found.state == "failed":
        return "failed" if _close(payment, State.FAILED) else "closed"
    return "pending"


# Refunds.


def payment_refund(*, payment: Payment, officer, reason: str) -> Payment:
    """Refund a payment in full (a department admin of its department, or a state admin), with the reason."""
    from apps.departments.models import Officer

    if not reason.strip():
        raise ApplicationError("Give the reason for the refund.")
    allowed = (
        officer.is_superuser
        or officer.role == Officer.Role.STATE_ADMIN
        or (officer.role == Officer.Role.DEPARTMENT_ADMIN and officer.department_id == payment.service.department_id)
    )
    if not allowed:
        raise ApplicationError("Only a department admin of this department can refund.")
    locked = Payment.objects.get(pk=payment.pk)
    if locked.state == State.REFUNDED:
        return locked
    if locked.state == State.PAID and locked.demand_id and locked.portal_notified_at is not None:
        raise ApplicationError("The department's portal has recorded this payment as paid: cancel it there "
                               "first, then refund it here.")  # fmt: skip
    if not locked.gateway_payment_id or not (locked.state == State.PAID or locked.needs_attention):
        raise ApplicationError("Only money that was received can be refunded.")
    # The gateway is called with no row lock held (it may take PAYMENT_TIMEOUT); a second refund of the same
    # payment is refused by the gateway, and only the first answer is recorded below.
    try:
        refund_id = gateway_get(locked.provider).refund(locked, reason=reason.strip())
    except GatewayError as error:
        logger.warning("Payment %s: refund failed at the gateway", locked.reference, exc_info=True)
        raise ApplicationError(f"The gateway did not refund it: {error}") from error
    with transaction.atomic():
        open_ = Payment.objects.filter(pk=locked.pk, gateway_refund_id__isnull=True).exclude(state=State.REFUNDED)
        done = open_.update(
            state=State.REFUNDED, refund_reason=reason.strip(), refunded_by=officer, gateway_refund_id=refund_id[:100],
            needs_attention=False, closed_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        if done:
            logger.info("Payment %s refunded by %s (%s)", locked.reference, officer.pk, refund_id)
            transaction.on_commit(lambda: _refunded_task(locked.pk), robust=True)
    locked.refresh_from_db()
    return locked


def _refunded_task(payment_id: int) -> None:
    from .tasks import payment_refunded_task

    payment_refunded_task.delay(payment_id)


# Telling the citizen.


def payment_failed_notify(*, payment_id: int) -> None:
    """The gateway says the payment failed: say so, with a button to try again (a new link)."""
    from apps.whatsapp import gateway

    payment = Payment.objects.select_related("conversation__citizen").get(pk=payment_id)
    if payment.state != State.FAILED:
        return
    with translation.override(payment.conversation.citizen.language or "en"):
        body = str(texts.FAILED % {"amount": payment.rupees, "what": payment.description})
        gateway.buttons(conversation=payment.conversation, body=body, purpose=gateway.NOTIFICATION,
                        options=[(_pay_again_id(payment), str(texts.PAY_AGAIN))])  # fmt: skip


def payment_refunded_notify(*, payment_id: int) -> None:
    from apps.whatsapp import gateway

    payment = Payment.objects.select_related("conversation__citizen").get(pk=payment_id)
    if payment.state != State.REFUNDED:
        return
    with translation.override(payment.conversation.citizen.language or "en"):
        body = str(texts.REFUNDED % {"amount": payment.rupees, "reference": payment.reference,
                                     "what": payment.description, "reason": payment.refund_reason})  # fmt: skip
        gateway.text(conversation=payment.conversation, body=body, purpose=gateway.NOTIFICATION)


def _pay_again_id(payment: Payment) -> str:
    if payment.application_id:
        return f"pay:app:{payment.application_id}"
    return f"pay:svc:{payment.service.code}"
