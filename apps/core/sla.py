"""The statutory clock: the Delhi (Right of Citizen to Time Bound Delivery of Services) Act, 2011.

The Act counts calendar days from the complete request (not working days), and the clock does not stop
while an officer waits for the citizen. A late answer earns the citizen compensation per day up to a cap.
Applications use this now and grievances next, so both keep the same clock.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

# "Due soon" in officers' queues: due today or within this many days.
DUE_SOON_DAYS = 3


def sla_due_date(*, start: date, days: int) -> date:
    """The day the answer is due: `days` calendar days after `start` (the day the complete request arrived)."""
    return start + timedelta(days=days)


def sla_days_late(*, due_date: date | None, on: date) -> int:
    """Days past `due_date` on the day `on` (0 when not late, or with no clock)."""
    if due_date is None:
        return 0
    return max(0, (on - due_date).days)


def sla_days_left(*, due_date: date, on: date) -> int:
    """Days until `due_date` from `on` (0 on the day itself, negative once late)."""
    return (due_date - on).days


def sla_compensation(*, days_late: int, per_day: int, cap: int) -> int:
    """Rupees owed for `days_late` days at `per_day` a day, never more than `cap`."""
    return min(days_late * per_day, cap)


def sla_overdue_q(*, today: date, field: str = "due_date") -> Q:
    """Rows whose due date (`field`) has passed; the caller adds "still open"."""
    return Q(**{f"{field}__lt": today})


def sla_due_soon_q(*, today: date, field: str = "due_date") -> Q:
    """Rows due today or within DUE_SOON_DAYS."""
    return Q(**{f"{field}__gte": today, f"{field}__lte": today + timedelta(days=DUE_SOON_DAYS)})


def sla_on_time_q(*, today: date, field: str = "due_date") -> Q:
    """Rows due after DUE_SOON_DAYS."""
    return Q(**{f"{field}__gt": today + timedelta(days=DUE_SOON_DAYS)})
