"""Status callbacks from department portals: checked here, acted on above.

A portal posts a signed status change for one of our references. portals checks the signature and the
body, then hands a `StatusCallback` to the handlers the apps above it registered in their `ready()`
(applications today: its applications' states and callback events), so that portals imports none of them.
A handler returns None when the reference is not one of its own; when no handler owns it, the answer is 404.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .config import ConnectionConfig, connection_get

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Portal-Signature"


class CallbackRejected(Exception):
    """A callback we do not act on; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StatusCallback:
    """One status change a portal reported: `event_id` is the portal's, or a hash of the body when it gives
    none, so that a replay is known."""

    connection: ConnectionConfig
    reference: str
    portal_status: str
    note: str
    event_id: str


# A handler acts on a callback and says "moved", "recorded" or "duplicate"; None when the reference is not its.
CallbackHandler = Callable[[StatusCallback], str | None]


@dataclass(frozen=True)
class _Registration:
    handler: CallbackHandler
    states: frozenset[str]


_registry: dict[str, _Registration] = {}


def callback_handler_register(*, name: str, handler: CallbackHandler, states: Iterable[str]) -> None:
    """Register the handler `name` (registering a name again replaces it: `ready()` may run twice).

    `states` are the states a connection's status map may name for this handler's rows (the admin checks
    status maps against them)."""
    _registry[name] = _Registration(handler=handler, states=frozenset(states))


def callback_states() -> set[str]:
    """Every state a connection's status map may name."""
    return set().union(*(registration.states for registration in _registry.values()))


def portal_callback_sign(*, secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def portal_callback_connection(*, connector: str, body: bytes, signature: str | None) -> ConnectionConfig:
    """The connection a callback claims to come from, once its signature is checked (CallbackRejected if not)."""
    connection = connection_get(connector=connector)
    if connection is None:
        raise CallbackRejected(404, "No such portal.")
    if not signature:
        raise CallbackRejected(401, f"The {SIGNATURE_HEADER} header is missing.")
    if not connection.callback_secret:
        raise CallbackRejected(403, "No callback secret is configured for this portal.")
    expected = portal_callback_sign(secret=connection.callback_secret, body=body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace")):
        raise CallbackRejected(403, "The signature does not match.")
    return connection


def portal_callback_receive(*, connection: ConnectionConfig, payload: dict, body: bytes) -> str:
    """Hand a signed status callback to the handler that owns its reference: "moved", "recorded" or
    "duplicate".

    CallbackRejected for a body without reference and status (400) or a reference no handler knows (404);
    a handler raises ApplicationError when the status cannot follow where its row stands.
    """
    reference = str(payload.get("reference") or "").strip()[:100]
    portal_status = str(payload.get("status") or "").strip()[:100]
    if not reference or not portal_status:
        raise CallbackRejected(400, "Give a reference and a status.")
    note = str(payload.get("note") or "").strip()[:2000]
    event_id = str(payload.get("event_id") or "").strip()[:100] or "sha256:" + hashlib.sha256(body).hexdigest()[:60]
    callback = StatusCallback(
        connection=connection, reference=reference, portal_status=portal_status, note=note, event_id=event_id
    )
    for registration in _registry.values():
        result = registration.handler(callback)
        if result is not None:
            return result
    logger.warning("Portal %s sent a callback for an unknown reference", connection.connector)
    raise CallbackRejected(404, "No application has this reference.")
