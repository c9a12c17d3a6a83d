"""Reads of applications: what the chat looks up for a citizen (drafts, references, their list, what an officer
asked for), and the officers' queue, overdue first."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from apps.conversations.models import Citizen, Conversation
from apps.core.sla import sla_due_soon_q, sla_on_time_q, sla_overdue_q
from apps.services.models import Service

from .models import Application

State = Application.State


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


# What the chat reads.


def application_draft_for_citizen(*, citizen: Citizen, service: Service | None = None) -> Application | None:
    """The draft the citizen touched last (for this service, if given), if it has not expired."""
    drafts = Application.objects.filter(citizen=citizen, state=State.DRAFT, updated_at__gte=draft_expiry_cutoff())
    if service is not None:
        drafts = drafts.filter(service=service)
    return drafts.select_related("service__department").order_by("-updated_at").first()


def application_draft_get(*, citizen: Citizen, pk) -> Application | None:
    """One of this citizen's live drafts by id (ids come back in button ids: never another citizen's)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Application.objects.filter(pk=pk, citizen=citizen, state=State.DRAFT, updated_at__gte=draft_expiry_cutoff())
        .select_related("service__department")
        .first()
    )


def draft_expiry_cutoff():
    """Drafts untouched since this moment have expired (APPLICATION_DRAFT_DAYS)."""
    return timezone.now() - timedelta(days=settings.APPLICATION_DRAFT_DAYS)


def application_document_counts(*, application: Application) -> dict[str, int]:
    """How many files the citizen sent for each document slot."""
    counts: dict[str, int] = {}
    for slot in application.documents.values_list("slot", flat=True):
        counts[slot] = counts.get(slot, 0) + 1
    return counts


def application_awaiting_documents(*, citizen: Citizen, conversation: Conversation) -> Application | None:
    """The citizen's application on this number whose officer asked for documents, if any (latest first)."""
    return (
        Application.objects.filter(citizen=citizen, conversation=conversation, state=State.DOCUMENTS_REQUESTED)
        .select_related("service")
        .order_by("-updated_at")
        .first()
    )


def application_requested_slot_next(*, application: Application) -> str | None:
    """The first slot the officer asked for that has no file sent since they asked."""
    asked_at = application.transitions.filter(to_state=State.DOCUMENTS_REQUESTED).order_by("-created_at").first()
    since = asked_at.created_at if asked_at else application.updated_at
    sent = set(application.documents.filter(requested=True, created_at__gte=since).values_list("slot", flat=True))
    return next((slot for slot in application.requested_documents if slot not in sent), None)


def application_missing(*, application: Application) -> list[str]:
    """What a draft still lacks before it can be submitted: required field keys and mandatory document codes."""
    service = application.service
    missing = [f.key for f in service.fields.all() if f.required and application.answers.get(f.key) in (None, "")]
    # (an optional field skipped is stored as "", so it is not asked again)
    have = set(application.documents.values_list("slot", flat=True))
    missing += [d.code for d in service.documents.all() if d.mandatory and d.code not in have]
    return missing


def application_payment_pending_get(*, citizen: Citizen, pk) -> Application | None:
    """One of this citizen's applications waiting for its fee (ids come back in button ids)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        Application.objects.filter(pk=pk, citizen=citizen, state=State.PAYMENT_PENDING)
        .select_related("service", "conversation")
        .first()
    )


def application_get_by_reference(*, reference: str) -> Application | None:
    """The application with this canonical reference (DLA…), or None."""
    return Application.objects.filter(reference=reference).select_related("service", "citizen").first()


def application_list_for_citizen(*, citizen: Citizen, limit: int = 10) -> list[Application]:
    """The citizen's submitted applications, newest first (drafts are offered in the chat instead)."""
    return list(
        Application.objects.filter(citizen=citizen)
        .exclude(state__in=[State.DRAFT, State.CANCELLED, State.EXPIRED])
        .select_related("service")
        .order_by("-updated_at")[:limit]
    )
