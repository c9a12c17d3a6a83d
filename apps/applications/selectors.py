"""Reads of applications for the back office: the officers' queue, overdue first."""

from datetime import date

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When

from apps.core.sla import sla_due_soon_q, sla_on_time_q, sla_overdue_q

from .models import Application


def _open() -> Q:
    return Q(state__in=Application.OPEN)


def application_overdue_q(*, today: date) -> Q:
    """Open (the department still owes an answer) and past its statutory due date."""
    return _open() & sla_overdue_q(today=today)


def application_due_soon_q(*, today: date) -> Q:
    return _open() & sla_due_soon_q(today=today)


def application_on_time_q(*, today: date) -> Q:
    return _open() & sla_on_time_q(today=today)


def application_queue(*, queryset: QuerySet[Application], today: date) -> QuerySet[Application]:
    """Applications annotated for the officers' queue: `is_overdue` and `in_queue` (open), to order overdue ones
    first, then open ones, each by due date (see QUEUE_ORDERING)."""
    return queryset.annotate(
        is_overdue=Case(When(application_overdue_q(today=today), then=Value(True)), default=Value(False),
                        output_field=BooleanField()),
        in_queue=Case(When(_open(), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )  # fmt: skip


# The queue's order: what is late first, then what is still owed, each by how soon it was due.
QUEUE_ORDERING = ["-is_overdue", "-in_queue", "due_date", "submitted_at"]


def application_queue_counts(*, queryset: QuerySet[Application], today: date) -> dict[str, int]:
    """How many of these applications are overdue, due within DUE_SOON_DAYS, and open at all (one query)."""
    return queryset.aggregate(
        overdue=Count("pk", filter=application_overdue_q(today=today)),
        due_soon=Count("pk", filter=application_due_soon_q(today=today)),
        open=Count("pk", filter=_open()),
    )
