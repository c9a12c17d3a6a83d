"""Payments as the bot's status flow sees them (DLP references): registered with the conversation
floor's request registry from `PaymentsConfig.ready()`."""

from __future__ import annotations

from apps.conversations.models import Citizen
from apps.conversations.selectors import RequestProvider, RequestStatus

from .selectors import payment_get_by_reference


def payment_request_status(*, reference: str, citizen: Citizen) -> RequestStatus | None:
    payment = payment_get_by_reference(reference=reference)
    if payment is None:
        return None
    return RequestStatus(
        reference=payment.reference, service_name=str(payment.description), status=str(payment.get_state_display()),
        updated_at=payment.updated_at, state=f"payment_{payment.state}", fee=payment.rupees.removeprefix("₹"),
        owner=payment.citizen_id == citizen.pk,
    )  # fmt: skip


PROVIDER = RequestProvider(status=payment_request_status)
