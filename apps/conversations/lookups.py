"""What the bot may look up about a citizen's requests, behind one small interface.

The conversation engine never reads another app's models (house style): the status flow asks here. There
are no applications, grievances or payments in govchat yet, so every lookup answers "not found" and the
citizen is told so plainly. Issues 5 and 6 fill these in from `applications`, `grievances` and `payments`
selectors, and the status flow needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import Citizen


@dataclass(frozen=True)
class RequestStatus:
    """One request as a citizen may see it: its reference, the service (in the active language), where it is."""

    reference: str
    service_name: str
    status: str
    updated_at: datetime


def reference_status(*, reference: str, citizen: Citizen) -> RequestStatus | None:
    """The request with this canonical reference (DLA/DLG/DLP…), or None when there is none.

    `citizen` is who asks: later implementations may show fuller details only to the request's owner.
    """
    return None


def request_list_for_citizen(*, citizen: Citizen) -> list[RequestStatus]:
    """The citizen's own requests made on WhatsApp, newest first ("my applications")."""
    return []
