"""Refunds: a department admin (of that department) or a state admin gives the money back, with the
reason, and the citizen is told."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone, translation

from apps.core.exceptions import ApplicationError

from .. import texts
from ..gateways import gateway_get
from ..gateways.base import GatewayError
from ..models import Payment

logger = logging.getLogger(__name__)

State = Payment.State


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
    from ..tasks import payment_refunded_task

    payment_refunded_task.delay(payment_id)


def payment_refunded_notify(*, payment_id: int) -> None:
    from apps.conversations import outbound

    payment = Payment.objects.select_related("conversation__citizen").get(pk=payment_id)
    if payment.state != State.REFUNDED:
        return
    with translation.override(payment.conversation.citizen.language or "en"):
        body = str(texts.REFUNDED % {"amount": payment.rupees, "reference": payment.reference,
                                     "what": payment.description, "reason": payment.refund_reason})  # fmt: skip
        outbound.text(conversation=payment.conversation, body=body, purpose=outbound.NOTIFICATION)
