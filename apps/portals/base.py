"""What every portal connector offers, and the two ways a call can fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class PortalError(Exception):
    """A portal call did not succeed. The message is for logs and officers; it never holds a secret."""


class PortalUnavailable(PortalError):
    """The portal could not be reached or gave no usable answer (timeout, refused connection, 5xx, an
    answer that is not the JSON agreed): try again later."""


class PortalRefused(PortalError):
    """The portal answered and said no (a 4xx with a reason): trying again will not help; an officer looks."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass(frozen=True)
class PortalApplication:
    """What a portal is sent for one application. The app that owns applications builds it, so that
    portals never read another app's rows. `documents` are {"slot", "content_type", "size", "sha256"}."""

    service_code: str
    reference: str
    submitted_at: datetime | None
    language: str
    answers: dict = field(default_factory=dict)
    documents: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SubmitResult:
    portal_reference: str
    portal_status: str = ""


@dataclass(frozen=True)
class StatusResult:
    portal_status: str
    note: str = ""


@dataclass(frozen=True)
class LookupResult:
    """A status-only service's answer: what the portal knows about the number the citizen gave.

    `details` are (English label, Hindi label, value) rows to show as they are.
    """

    found: bool
    details: list[tuple[str, str, str]] = field(default_factory=list)
    status_text_en: str = ""
    status_text_hi: str = ""


@dataclass(frozen=True)
class PortalDemand:
    """What a department's portal says is due for a number (a property's tax demand, a water bill, one
    challan), checked: `amount_paise` is a whole number of paise above zero and the break-up lines
    ({"label_en", "label_hi", "amount_paise"}; a rebate is a negative line) add up to it.

    The same fields as `apps.payments.services.Demand`: `Demand(**dataclasses.asdict(portal_demand))`.
    """

    demand_id: str
    description_en: str
    description_hi: str
    breakup: list[dict]
    amount_paise: int


@dataclass(frozen=True)
class DuesPaidResult:
    """The portal's acknowledgement that a demand was paid (its own receipt number, when it gives one)."""

    receipt: str = ""
    status: str = ""


class Connector(Protocol):
    def submit(self, application: PortalApplication, *, idempotency_key: str) -> SubmitResult: ...

    def status(self, portal_reference: str) -> StatusResult: ...

    def lookup(self, service_code: str, number: str, *, extra: dict | None = None) -> LookupResult: ...

    def dues(self, service_code: str, number: str) -> list[PortalDemand]: ...

    def dues_paid(
        self, service_code: str, *, demand_id: str, reference: str, amount_paise: int, paid_at: datetime
    ) -> DuesPaidResult: ...
