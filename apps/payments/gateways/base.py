"""What every payment gateway provides to govchat, and what it answers.

A gateway never changes a `Payment` itself: it creates links, reads their state, checks and reads
callbacks, and refunds; `apps.payments.services` decides what that means for our rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..models import Payment


class GatewayError(Exception):
    """The gateway could not be reached or did not answer sensibly: try again later."""


class GatewayRefused(GatewayError):
    """The gateway refused the request (a 4xx with a reason): trying again will not help."""


@dataclass(frozen=True)
class Link:
    """A checkout link: its id at the gateway (unique), the URL the citizen opens, and when it expires."""

    order_id: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class GatewayState:
    """Where a link stands at the gateway: "pending", "paid", "expired", "failed" or "cancelled"."""

    state: str
    payment_id: str = ""  # the gateway's transaction id, once paid
    amount_paise: int | None = None  # what the gateway says was paid
    currency: str = ""
    paid_at: datetime | None = None
    method: str = ""  # upi, card, netbanking...


@dataclass(frozen=True)
class CallbackEvent:
    """One callback, read: its id (for replays), what happened, and what it says about the money."""

    event_id: str
    kind: str  # "paid", "failed", "expired", "refunded", or "other"
    order_id: str = ""
    reference: str = ""  # ours, when the gateway carries it back
    payment_id: str = ""
    amount_paise: int | None = None
    currency: str = ""
    method: str = ""


class Gateway(Protocol):
    name: str

    def link_create(self, payment: Payment, *, callback_url: str, expires_at: datetime) -> Link: ...

    def link_state(self, payment: Payment) -> GatewayState: ...

    def callback_verify(self, *, body: bytes, headers: dict[str, str]) -> bool:
        """True only when the signature over the raw body is the gateway's (constant-time compare)."""
        ...

    def callback_read(self, payload: dict, headers: dict[str, str] | None = None) -> CallbackEvent: ...

    def link_cancel(self, payment: Payment) -> None:
        """Close a link we no longer want paid (a newer one replaced it); a link already closed is fine."""
        ...

    def refund(self, payment: Payment, *, reason: str) -> str:
        """Refund the whole payment; the gateway's refund id."""
        ...
