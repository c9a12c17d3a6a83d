"""Calls to other systems (OpenAI, department portals, payment gateways, Meta's media) never run while a
conversation's row is locked.

A turn runs under the lock. When it reaches a call, `outside_lock(key, call)` stops the turn
(`CallNeeded`); the processor rolls the turn back, releases the lock, makes the call (with its own
timeout), and runs the turn again from the same committed state, when the call returns its result (or
raises its error) at once. A slow portal therefore holds up only its own citizen's turn, never another
citizen's, and the lock is never held across a network wait. The key names the call within the message
(the same message asks the same question again on the rerun); results live only for that message.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

MAX_CALLS = 4  # per message: a turn needing more runs the rest inline rather than loop

_RESULTS: ContextVar[dict | None] = ContextVar("outside_lock_results", default=None)


class CallNeeded(Exception):
    """Raised inside a locked turn: make `call` with no lock held, then run the turn again."""

    def __init__(self, key: str, call: Callable[[], Any]) -> None:
        super().__init__(key)
        self.key, self.call = key, call
        self.message_id: int | None = None  # set by the processor: whose turn asked


def outside_lock(key: str, call: Callable[[], Any]) -> Any:
    """The result of `call`, made outside the conversation's lock (inline when no turn is locked)."""
    results = _RESULTS.get()
    if results is None or (key not in results and len(results) >= MAX_CALLS):
        return call()
    if key not in results:
        raise CallNeeded(key, call)
    failed, value = results[key]
    if failed:
        raise value
    return value


def call_run(need: CallNeeded, results: dict) -> None:
    """Make the call a turn asked for (no lock held) and keep what it gave, error included."""
    try:
        results[need.key] = (False, need.call())
    except Exception as error:  # the turn decides what an error means, when it runs again
        results[need.key] = (True, error)


def results_use(results: dict):
    """Within a locked turn, let `outside_lock` answer from (and ask for) these results."""
    return _RESULTS.set(results)


def results_release(token) -> None:
    _RESULTS.reset(token)
