"""Asking for money: the one live payment of an application's fee or a department's demand, with its
checkout link (a second "pay" gets the same open link), and a button to try again when it failed."""

from __future__ import annotations

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

from .. import texts
from ..gateways import gateway_get
from ..gateways.base import GatewayError
from ..models import Payment
from .settlement import _close, payment_settle

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


def payment_failed_notify(*, payment_id: int) -> None:
    """The gateway says the payment failed: say so, with a button to try again (a new link)."""
    from apps.conversations import outbound

    payment = Payment.objects.select_related("conversation__citizen").get(pk=payment_id)
    if payment.state != State.FAILED:
        return
    with translation.override(payment.conversation.citizen.language or "en"):
        body = str(texts.FAILED % {"amount": payment.rupees, "what": payment.description})
        outbound.buttons(conversation=payment.conversation, body=body, purpose=outbound.NOTIFICATION,
                        options=[(_pay_again_id(payment), str(texts.PAY_AGAIN))])  # fmt: skip


def _pay_again_id(payment: Payment) -> str:
    if payment.application_id:
        return f"pay:app:{payment.application_id}"
    return f"pay:svc:{payment.service.code}"
