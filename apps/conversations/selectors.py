"""What the bot may look up about a citizen's requests, behind one small interface.

The conversation engine never reads another app's models (house style): the status flow asks here. Each
domain app registers, from its AppConfig.ready(), what answers for its reference prefix (DLA
applications, DLP payments, DLG grievances next), so this floor imports none of them and a new kind of
request needs no change here or in the status flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

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


@dataclass(frozen=True)
class RequestProvider:
    """What answers for one reference prefix: the request with a reference (None when there is none), and
    optionally the citizen's own such requests for "my applications"."""

    status: Callable[..., RequestStatus | None]
    mine: Callable[..., list[RequestStatus]] | None = None


_PROVIDERS: dict[str, RequestProvider] = {}


def request_provider_register(*, prefix: str, provider: RequestProvider) -> None:
    """Called from a domain app's AppConfig.ready() (DLA, DLP, DLG): the same prefix again replaces it."""
    _PROVIDERS[prefix] = provider


def reference_status(*, reference: str, citizen: Citizen) -> RequestStatus | None:
    """The request with this canonical reference (DLA/DLG/DLP…), or None when there is none.

    Anyone with the reference sees where it stands (it is on the citizen's receipt, and family members ask
    for each other); only the citizen who made it sees the officer's note or the reason given.
    """
    provider = _PROVIDERS.get(reference[:3])
    return provider.status(reference=reference, citizen=citizen) if provider else None


def request_list_for_citizen(*, citizen: Citizen) -> list[RequestStatus]:
    """The citizen's own requests made on WhatsApp, newest first ("my applications")."""
    found = [status for provider in _PROVIDERS.values() if provider.mine for status in provider.mine(citizen=citizen)]
    return sorted(found, key=lambda status: status.updated_at, reverse=True)
