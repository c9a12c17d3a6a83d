"""What the bot may look up about a citizen's requests, behind one small interface.

The conversation engine never reads another app's models (house style): the status flow asks here, and
this module asks the applications services. Grievances and payments (issue 6) answer "not found" until
they exist, and the status flow needs no change when they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from apps.applications import selectors as applications

from .models import Citizen


@dataclass(frozen=True)
class RequestStatus:
    """One request as a citizen may see it: its reference, the service (in the active language), where it is,
    and, for its owner, what is expected of them and the statutory clock."""

    reference: str
    service_name: str
    status: str
    updated_at: datetime
    state: str = ""
    due: date | None = None
    days_late: int = 0
    compensation: int = 0
    note: str = ""
    reason: str = ""
    fee: str = ""
    owner: bool = False


def reference_status(*, reference: str, citizen: Citizen) -> RequestStatus | None:
    """The request with this canonical reference (DLA/DLG/DLP…), or None when there is none.

    Anyone with the reference sees where it stands (it is on the citizen's receipt, and family members ask
    for each other); only the citizen who applied sees the officer's note or the reason given.
    """
    if reference.startswith("DLP"):
        return _payment_status(reference, citizen)
    if not reference.startswith("DLA"):
        return None
    application = applications.application_get_by_reference(reference=reference)
    if application is None:
        return None
    return _status(application, owner=application.citizen_id == citizen.pk)


def request_list_for_citizen(*, citizen: Citizen) -> list[RequestStatus]:
    """The citizen's own requests made on WhatsApp, newest first ("my applications")."""
    return [_status(application, owner=True) for application in applications.application_list_for_citizen(
        citizen=citizen)]  # fmt: skip


def _status(application, *, owner: bool) -> RequestStatus:
    open_ = application.is_open
    return RequestStatus(
        reference=application.reference or "",
        service_name=str(application.service.name),
        status=str(application.get_state_display()),
        updated_at=application.updated_at,
        state=application.state,
        due=application.due_date if open_ else None,
        days_late=application.days_late() if open_ else 0,
        compensation=application.compensation() if open_ else 0,
        note=application.officer_note if owner else "",
        reason=application.rejection_reason if owner else "",
        fee=f"{application.fee.normalize():f}",
        owner=owner,
    )


def _payment_status(reference: str, citizen: Citizen) -> RequestStatus | None:
    from apps.payments.selectors import payment_get_by_reference

    payment = payment_get_by_reference(reference=reference)
    if payment is None:
        return None
    return RequestStatus(
        reference=payment.reference, service_name=str(payment.description), status=str(payment.get_state_display()),
        updated_at=payment.updated_at, state=f"payment_{payment.state}", fee=payment.rupees.removeprefix("₹"),
        owner=payment.citizen_id == citizen.pk,
    )  # fmt: skip
