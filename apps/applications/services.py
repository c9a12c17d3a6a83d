"""Applications: drafts, submission, the state machine and its statutory clock, and telling the citizen.

Every change of state goes through `application_transition`, which holds the application's row lock,
refuses any move not in `TRANSITIONS`, records who moved it (an `ApplicationTransition`), and queues the
citizen's WhatsApp update after commit. Officer actions (request documents, approve, reject, issue) and
the portal's status callbacks are thin callers of it, so no path can skip a rule.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from apps.conversations.models import Citizen, Conversation, Message
from apps.core.exceptions import ApplicationError
from apps.core.formatting import date_display
from apps.core.references import reference_unique
from apps.core.sla import sla_due_date
from apps.services.models import Service

from . import texts
from .models import Application, ApplicationDocument, ApplicationTransition
from .selectors import application_missing, draft_expiry_cutoff

logger = logging.getLogger(__name__)

State = Application.State
Actor = ApplicationTransition.Actor

# The only moves there are. Anything else is refused in `application_transition`.
TRANSITIONS: dict[str, set[str]] = {
    State.DRAFT: {State.PAYMENT_PENDING, State.SUBMITTED, State.CANCELLED, State.EXPIRED},
    State.PAYMENT_PENDING: {State.SUBMITTED, State.CANCELLED},
    State.SUBMITTED: {State.FORWARDED, State.UNDER_REVIEW, State.DOCUMENTS_REQUESTED, State.APPROVED, State.REJECTED},
    State.FORWARDED: {State.UNDER_REVIEW, State.DOCUMENTS_REQUESTED, State.APPROVED, State.REJECTED, State.ISSUED},
    State.UNDER_REVIEW: {State.DOCUMENTS_REQUESTED, State.APPROVED, State.REJECTED},
    State.DOCUMENTS_REQUESTED: {State.UNDER_REVIEW, State.REJECTED},
    State.APPROVED: {State.ISSUED},
    State.REJECTED: set(),
    State.ISSUED: set(),
    State.CANCELLED: set(),
    State.EXPIRED: set(),
}
# Who may make which move: officers never submit for a citizen, citizens never approve.
ACTOR_MOVES: dict[str, set[str]] = {
    Actor.CITIZEN: {State.PAYMENT_PENDING, State.SUBMITTED, State.CANCELLED, State.UNDER_REVIEW},
    Actor.OFFICER: {State.UNDER_REVIEW, State.DOCUMENTS_REQUESTED, State.APPROVED, State.REJECTED, State.ISSUED},
    Actor.PORTAL: {
        State.FORWARDED,
        State.UNDER_REVIEW,
        State.DOCUMENTS_REQUESTED,
        State.APPROVED,
        State.REJECTED,
        State.ISSUED,
    },  # fmt: skip
    Actor.SYSTEM: {State.SUBMITTED, State.EXPIRED, State.FORWARDED},
}
# Optional document slots the citizen skipped, kept with the draft's answers (not a form field).
SKIPPED_DOCUMENTS = "_skipped_documents"


def application_draft_get_or_start(
    *, citizen: Citizen, conversation: Conversation, service: Service
) -> tuple[Application, bool]:
    """The citizen's draft for this service (True when it was just started). A draft left too long is
    closed first (the beat task may not have run yet), and a fresh one started."""
    draft = Application.objects.filter(citizen=citizen, service=service, state=State.DRAFT).first()
    if draft is not None and draft.updated_at >= draft_expiry_cutoff():
        return draft, False
    if draft is not None:
        application_transition(application=draft, to=State.EXPIRED, actor=Actor.SYSTEM, notify=False)
    try:
        with transaction.atomic():
            draft = Application.objects.create(
                citizen=citizen, conversation=conversation, service=service, language=citizen.language or "en"
            )
    except IntegrityError:  # the same citizen, twice at once: one draft
        return Application.objects.get(citizen=citizen, service=service, state=State.DRAFT), False
    return draft, True


def application_answer_set(*, application: Application, key: str, value, aadhaar_hash: str = "") -> None:
    """Keep one answer of a draft (saved at once: nothing typed is lost)."""
    if application.state != State.DRAFT:
        raise ApplicationError("Only a draft's answers can change.")
    application.answers[key] = value
    fields = ["answers", "updated_at"]
    if aadhaar_hash:
        application.aadhaar_hash = aadhaar_hash
        fields.append("aadhaar_hash")
    application.save(update_fields=fields)


def application_answer_clear(*, application: Application, key: str) -> None:
    if application.state == State.DRAFT and key in application.answers:
        del application.answers[key]
        application.save(update_fields=["answers", "updated_at"])


def application_document_add(*, application: Application, slot: str, content: bytes, checked, message: Message | None,
                             requested: bool = False) -> ApplicationDocument:  # fmt: skip
    """Attach a file that passed `documents.document_check` to a slot (several files per slot are fine)."""
    if application.state not in (State.DRAFT, State.DOCUMENTS_REQUESTED):
        raise ApplicationError("Documents are added to a draft or when an officer asks for them.")
    document = ApplicationDocument(
        application=application, slot=slot, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, pages=checked.pages, message=message, requested=requested,
    )  # fmt: skip
    document.file.save(f"{application.pk}-{slot}.{checked.kind}", ContentFile(content), save=False)
    document.save()
    Application.objects.filter(pk=application.pk).update(updated_at=timezone.now())
    return document


def application_documents_clear(*, application: Application, slot: str) -> int:
    """The citizen chose to send a slot's documents again: the files they sent for it are removed."""
    if application.state != State.DRAFT:
        return 0
    removed = 0
    for document in application.documents.filter(slot=slot):
        document.file.delete(save=False)
        document.delete()
        removed += 1
    skipped = application.answers.get(SKIPPED_DOCUMENTS, [])
    if slot in skipped:
        application.answers[SKIPPED_DOCUMENTS] = [code for code in skipped if code != slot]
        application.save(update_fields=["answers", "updated_at"])
    return removed


def application_document_skip(*, application: Application, slot: str) -> None:
    """An optional document the citizen does not have (kept so the journey moves past it on resume)."""
    skipped = application.answers.get(SKIPPED_DOCUMENTS, [])
    if slot not in skipped:
        application.answers[SKIPPED_DOCUMENTS] = [*skipped, slot]
        application.save(update_fields=["answers", "updated_at"])


def application_submit(*, application: Application) -> Application:
    """The citizen submits: the reference is given, and the application either waits for its fee or goes
    to the department (the clock starts then)."""
    with transaction.atomic():
        application = Application.objects.select_for_update().select_related("service").get(pk=application.pk)
        if application.state != State.DRAFT:
            return application  # submitted twice (a double tap): nothing changes
        missing = application_missing(application=application)
        if missing:
            raise ApplicationError(f"Missing: {', '.join(missing)}")
        application.reference = reference_unique(model=Application, prefix="DLA")
        application.fee = application.service.fee
        application.save(update_fields=["reference", "fee", "updated_at"])
        target = State.PAYMENT_PENDING if application.fee > 0 else State.SUBMITTED
        # The chat answers the citizen itself (reference, due date, fee), so no separate update.
        return application_transition(application=application, to=target, actor=Actor.CITIZEN, notify=False)


def application_paid(*, application: Application) -> Application:
    """The fee is paid (called by payments): the application goes to the department."""
    return application_transition(application=application, to=State.SUBMITTED, actor=Actor.SYSTEM)


def application_cancel(*, application: Application) -> Application:
    return application_transition(application=application, to=State.CANCELLED, actor=Actor.CITIZEN, notify=False)


def application_transition(*, application: Application, to: str, actor: str, officer=None, note: str = "",
                           notify: bool = True) -> Application:  # fmt: skip
    """Move an application along the state machine, record it, and tell the citizen after commit.

    Refuses (ApplicationError) a move that is not allowed from the state as last committed, or not by this
    kind of actor. Idempotent for a repeated call: moving to the state it is already in changes nothing.
    """
    with transaction.atomic():
        current = Application.objects.select_for_update().select_related("service").get(pk=application.pk)
        if current.state == to:
            return current
        if to not in TRANSITIONS[current.state]:
            raise ApplicationError(
                f"An application that is {current.get_state_display().lower()} cannot become {State(to).label.lower()}."
            )
        if to not in ACTOR_MOVES[actor]:
            raise ApplicationError(f"{Actor(actor).label} cannot make an application {State(to).label.lower()}.")
        from_state = current.state
        now = timezone.now()
        current.state = to
        fields = ["state", "updated_at"]
        if to == State.SUBMITTED:
            # The statutory clock starts when the department has the complete (and paid) application.
            current.submitted_at = now
            service = current.service
            current.due_date = sla_due_date(start=timezone.localdate(now), days=service.sla_days)
            current.compensation_per_day, current.compensation_cap = (service.compensation_per_day,
                                                                      service.compensation_cap)  # fmt: skip
            fields += ["submitted_at", "due_date", "compensation_per_day", "compensation_cap"]
        if to in Application.CLOSED:
            current.closed_at = now
            fields.append("closed_at")
        if officer is not None and current.assigned_officer_id is None:
            current.assigned_officer = officer
            fields.append("assigned_officer")
        current.save(update_fields=fields)
        transition = ApplicationTransition.objects.create(
            application=current, from_state=from_state, to_state=to, actor=actor, officer=officer, note=note,
            notify=notify,
        )  # fmt: skip
        if notify:
            transaction.on_commit(lambda: _notify_task(transition.pk), robust=True)
        if to == State.SUBMITTED and current.service.fulfilment == Service.Fulfilment.PORTAL:
            from .portal_outbox import portal_submission_queue

            portal_submission_queue(application=current)  # sent after commit; waits in the outbox if the portal is down
    return current


def _notify_task(transition_id: int) -> None:
    from .tasks import application_notify_task

    application_notify_task.delay(transition_id)


# Officer actions. The admin calls these; each says what it does to the citizen in the update it queues.


def application_review_start(*, application: Application, officer) -> Application:
    return application_transition(application=application, to=State.UNDER_REVIEW, actor=Actor.OFFICER,
                                  officer=officer, notify=False)  # fmt: skip


def application_documents_request(*, application: Application, officer, slots: list[str], note: str) -> Application:
    """Ask the citizen for documents again (a clearer photo, one that was missing): their next uploads land
    in these slots."""
    codes = {d.code for d in application.service.documents.all()}
    if not slots or not set(slots) <= codes:
        raise ApplicationError("Choose one or more of this service's documents.")
    if not note.strip():
        raise ApplicationError("Say what is wrong or missing, so the citizen knows what to send.")
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(requested_documents=slots, officer_note=note.strip())
        return application_transition(application=application, to=State.DOCUMENTS_REQUESTED, actor=Actor.OFFICER,
                                      officer=officer, note=note.strip())  # fmt: skip


def application_documents_received(*, application: Application) -> Application:
    """Every requested slot has a new file: back to the officer."""
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(requested_documents=[])
        return application_transition(application=application, to=State.UNDER_REVIEW, actor=Actor.CITIZEN,
                                      note="Documents sent", notify=False)  # fmt: skip


def application_approve(*, application: Application, officer, note: str = "") -> Application:
    return application_transition(application=application, to=State.APPROVED, actor=Actor.OFFICER, officer=officer,
                                  note=note)  # fmt: skip


def application_reject(*, application: Application, officer, reason: str) -> Application:
    if not reason.strip():
        raise ApplicationError("Give the reason: the citizen is told it.")
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(rejection_reason=reason.strip())
        return application_transition(application=application, to=State.REJECTED, actor=Actor.OFFICER,
                                      officer=officer, note=reason.strip())  # fmt: skip


def application_drafts_expire() -> int:
    """Drafts untouched for APPLICATION_DRAFT_DAYS are closed (beat)."""
    expired = 0
    for pk in Application.objects.filter(state=State.DRAFT, updated_at__lt=draft_expiry_cutoff()).values_list(
        "pk", flat=True
    ):
        application_transition(application=Application(pk=pk), to=State.EXPIRED, actor=Actor.SYSTEM, notify=False)
        expired += 1
    return expired


# Telling the citizen.


def application_notify(*, transition_id: int) -> Message | None:
    """Tell the citizen their application moved: as text inside the 24-hour window, else through the
    approved status template. Once per change: the transition row, locked, remembers the message."""
    from apps.conversations import outbound

    with transaction.atomic():
        transition = (
            ApplicationTransition.objects.select_for_update()
            .select_related("application__service", "application__conversation__citizen")
            .get(pk=transition_id)
        )
        application = transition.application
        if not transition.notify or transition.notified_at is not None:
            return None
        if application.state != transition.to_state:
            # It moved on before we got here: that move sends its own update.
            ApplicationTransition.objects.filter(pk=transition.pk).update(notified_at=timezone.now())
            return None
        conversation = application.conversation
        language = conversation.citizen.language or application.language
        with translation.override(language):
            body = application_update_text(application=application)
            status, service = str(State(application.state).label), str(application.service.name)
        if conversation.window_open():
            message = outbound.text(conversation=conversation, body=body, purpose=outbound.NOTIFICATION)
        else:
            message = outbound.template(conversation=conversation, name=settings.WHATSAPP_STATUS_TEMPLATE,
                                       parameters=[application.reference or "", service, status],
                                       language=language)  # fmt: skip
        ApplicationTransition.objects.filter(pk=transition.pk).update(
            notified_at=timezone.now(), notified_message=message
        )
    return message


def application_update_text(*, application: Application) -> str:
    """What the citizen reads about a change, in the active language."""
    state = application.state
    values = {"reference": application.reference or "", "service": application.service.name,
              "note": application.officer_note, "reason": application.rejection_reason,
              "due": _date(application.due_date)}  # fmt: skip
    if state == State.ISSUED and not hasattr(application, "certificate"):
        state = "issued_by_portal"  # the department's portal issued it: nothing is attached here
    return str(texts.UPDATES[state] % values)


def _date(value) -> str:
    return date_display(day=value) if value else ""
