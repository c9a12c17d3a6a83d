"""Applications as the bot's status flow sees them (DLA references): registered with the conversation
floor's request registry from `ApplicationsConfig.ready()`."""

from __future__ import annotations

from apps.conversations.models import Citizen
from apps.conversations.selectors import RequestProvider, RequestStatus

from . import selectors as applications
from .models import Application


def _status(application: Application, *, owner: bool) -> RequestStatus:
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


def application_request_status(*, reference: str, citizen: Citizen) -> RequestStatus | None:
    application = applications.application_get_by_reference(reference=reference)
    if application is None:
        return None
    return _status(application, owner=application.citizen_id == citizen.pk)


def application_requests_of(*, citizen: Citizen) -> list[RequestStatus]:
    return [_status(application, owner=True) for application in applications.application_list_for_citizen(
        citizen=citizen)]  # fmt: skip


PROVIDER = RequestProvider(status=application_request_status, mine=application_requests_of)
