"""Department portals asked for what they know: the status of a number a citizen gives (status-only
services) and the dues of pay services, and told when a demand was paid here.

The engine and payments call these; applications' outbox (`apps/applications/portal_outbox.py`) uses the
connectors directly. Every call has the connection's (connect, read) timeouts.
"""

from __future__ import annotations

from datetime import datetime

from apps.core.exceptions import ApplicationError
from apps.services.models import Service

from .base import DuesPaidResult, LookupResult, PortalDemand, PortalUnavailable
from .config import ConnectionConfig, connection_get
from .rest import connector_for

# Status-only services.


def portal_status_lookup(*, service: Service, number: str, answers: dict | None = None) -> LookupResult:
    """Ask the service's portal about the number a citizen gave (pension, ration card, scholarship ...).

    `answers` are the other answers the service asked for (a date of birth, a scheme), passed along.
    Raises PortalUnavailable when the portal cannot answer now, PortalRefused when it refuses the question.
    """
    if service.fulfilment != Service.Fulfilment.PORTAL or not service.connector:
        raise ApplicationError(f"{service.code} is not answered by a department portal.")
    connection = connection_get(connector=service.connector)
    if connection is None:
        raise PortalUnavailable(f"No portal connection is configured for {service.connector}.")
    number = "".join(str(number).split())[:50]
    extra = {k: v for k, v in (answers or {}).items() if isinstance(v, str | int | float) and str(v) != number}
    return connector_for(connection).lookup(service.code, number, extra=extra)


# Pay services: what is due, and the word back when it is paid.


def _pay_connection(service: Service) -> ConnectionConfig:
    if service.kind != Service.Kind.PAY or service.fulfilment != Service.Fulfilment.PORTAL or not service.connector:
        raise ApplicationError(f"{service.code} is not a payment answered by a department portal.")
    connection = connection_get(connector=service.connector)
    if connection is None:
        raise PortalUnavailable(f"No portal connection is configured for {service.connector}.")
    return connection


def portal_dues_lookup(*, service: Service, number: str) -> list[PortalDemand]:
    """What the department's portal says is due for the number a citizen gave (a property's UPIC, a K number,
    a vehicle or challan number): one PortalDemand per demand, [] when nothing is due.

    Convert with `Demand(**dataclasses.asdict(d))` for `payment_for_demand`. Raises PortalUnavailable when
    the portal cannot answer now (or answers with amounts that are not whole paise, or do not add up),
    PortalRefused when it refuses the question, ApplicationError for a service that is not such a payment.
    """
    connection = _pay_connection(service)
    number = "".join(str(number).split()).upper()[:50]
    if not number:
        raise ApplicationError("Give the number to look up.")
    return connector_for(connection).dues(service.code, number)


def portal_dues_paid(
    *, service: Service, demand_id: str, reference: str, amount_paise: int, paid_at: datetime
) -> DuesPaidResult:
    """Tell the department's portal that a demand was paid; `reference` (our payment reference) is the
    Idempotency-Key, so calling again after a timeout is safe. Raises PortalUnavailable (try again later)
    or PortalRefused (an officer looks: e.g. a 409 when the portal has it paid under another reference)."""
    connection = _pay_connection(service)
    if not demand_id or not reference or amount_paise <= 0:
        raise ApplicationError("Give the demand, our payment reference and the amount paid.")
    return connector_for(connection).dues_paid(
        service.code, demand_id=demand_id, reference=reference, amount_paise=amount_paise, paid_at=paid_at
    )
