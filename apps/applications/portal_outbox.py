"""Applications and their department portals: the outbox that sends them, and the status callbacks and
polls that bring news back (the connectors themselves are in `apps/portals/`).

An application of a portal-fulfilled service gets a `PortalSubmission` row when it is submitted
(`portal_submission_queue`). A task sends it with the application's reference as the idempotency key;
a portal that is down puts it back with a backoff (1, 2, 4 ... minutes) for the beat sweeper, and the
citizen is told once that it waits. After PORTAL_MAX_ATTEMPTS, or when the portal refuses it, the row is
flagged for an officer and the application stays "submitted": it is never lost. Sends are claimed with a
conditional UPDATE, so two workers never send one row at once; a crash mid-send is retried with the same
key, which the portal answers with the same reference.

A portal's signed callback is checked by `apps.portals` and handed to `portal_callback_apply`, which
`ApplicationsConfig.ready()` registers: portals stand below applications and never import them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.core.exceptions import ApplicationError
from apps.portals.base import PortalApplication, PortalRefused, PortalUnavailable
from apps.portals.callbacks import StatusCallback
from apps.portals.config import ConnectionConfig, connection_get
from apps.portals.rest import connector_for
from apps.services.models import Service

from .models import Application, ApplicationTransition, PortalCallbackEvent, PortalSubmission

logger = logging.getLogger(__name__)

State = Application.State
Outbox = PortalSubmission.State
# A worker killed mid-send leaves its row "sending"; after this it is sent again (same idempotency key).
SENDING_STALE = timedelta(minutes=10)
# States in which the portal still has news for us.
POLLED_STATES = (State.FORWARDED, State.UNDER_REVIEW, State.DOCUMENTS_REQUESTED, State.APPROVED)
QUEUED_TEXT = _(
    "The department's online system is not answering just now. Your application %(reference)s is saved and "
    "will be sent to it automatically; you will get a message when it has reached it."
)


def _transition(**kwargs) -> Application:
    # Imported late: applications.services calls into this module at submit.
    from .services import application_transition

    return application_transition(**kwargs)


# The outbox.


def portal_submission_queue(*, application: Application) -> PortalSubmission | None:
    """Put a submitted application of a portal-fulfilled service in the outbox and send it after commit.

    Safe to call twice: one row per application. Returns None for services no portal fulfils.
    """
    service = application.service
    if service.fulfilment != Service.Fulfilment.PORTAL or not service.connector or not application.reference:
        return None
    try:
        with transaction.atomic():
            submission, created = PortalSubmission.objects.get_or_create(
                application=application,
                defaults={"connector": service.connector, "idempotency_key": application.reference},
            )
    except IntegrityError:  # queued twice at once
        return PortalSubmission.objects.get(application=application)
    if created:
        # robust: a broker that is down only delays it; the sweeper finds the pending row.
        transaction.on_commit(lambda: _send_task(submission.pk), robust=True)
    return submission


def portal_submissions_backfill(*, limit: int = 200) -> int:
    """Put in the outbox any submitted application of a portal-fulfilled service that has no row yet (the
    beat sweeper's safety net: an application missed at submit still reaches its portal)."""
    missing = Application.objects.filter(
        state=State.SUBMITTED, service__fulfilment=Service.Fulfilment.PORTAL, portal_submission__isnull=True
    ).select_related("service")[:limit]
    return sum(portal_submission_queue(application=application) is not None for application in missing)


def _send_task(submission_id: int) -> None:
    from .tasks import portal_submission_send_task

    portal_submission_send_task.delay(submission_id)


def _due() -> Q:
    now = timezone.now()
    return Q(state=Outbox.PENDING, next_attempt_at__lte=now) | Q(
        state=Outbox.SENDING, claimed_at__lt=now - SENDING_STALE
    )


def portal_submissions_due(*, limit: int = 200) -> list[int]:
    """Outbox rows whose next attempt is due (for the beat sweeper)."""
    return list(
        PortalSubmission.objects.filter(_due()).order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )


def portal_submission_send(*, submission_id: int) -> str:
    """Send one outbox row to its portal if it is due; returns what happened (for logs and tests)."""
    now = timezone.now()
    claimed = PortalSubmission.objects.filter(_due(), pk=submission_id).update(
        state=Outbox.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return "not due"
    submission = PortalSubmission.objects.select_related("application__service").get(pk=submission_id)
    application = submission.application
    if not application.is_open:
        return _flag(submission, f"The application was {application.state} before it reached the portal.")
    try:
        connection = connection_get(connector=submission.connector)
        if connection is None:
            raise PortalUnavailable(f"No portal connection is configured for {submission.connector}.")
        result = connector_for(connection).submit(_outgoing(application), idempotency_key=submission.idempotency_key)
    except PortalRefused as exc:
        return _flag(submission, str(exc))
    except PortalUnavailable as exc:
        return _retry_later(submission, str(exc))
    except Exception as exc:  # a broken connection (bad path, undecryptable secret): counted, then flagged
        logger.exception("Sending %s to %s failed", submission.idempotency_key, submission.connector)
        return _retry_later(submission, f"{exc.__class__.__name__}: {exc}")
    return _sent(submission, result.portal_reference, result.portal_status)


def _outgoing(application: Application) -> PortalApplication:
    return PortalApplication(
        service_code=application.service.code, reference=application.reference,
        submitted_at=application.submitted_at, language=application.language, answers=application.answers or {},
        documents=[{"slot": d.slot, "content_type": d.content_type, "size": d.size, "sha256": d.sha256}
                   for d in application.documents.all()],
    )  # fmt: skip


def _sent(submission: PortalSubmission, reference: str, portal_status: str) -> str:
    application = submission.application
    with transaction.atomic():
        if not PortalSubmission.objects.select_for_update().filter(pk=submission.pk, state=Outbox.SENDING).exists():
            return "settled elsewhere"
        try:
            with transaction.atomic():
                Application.objects.filter(pk=application.pk).update(
                    portal_reference=reference, portal_status=portal_status, updated_at=timezone.now()
                )
                PortalSubmission.objects.filter(pk=submission.pk).update(
                    state=Outbox.SENT, portal_reference=reference, sent_at=timezone.now(), claimed_at=None,
                    last_error="", updated_at=timezone.now(),
                )  # fmt: skip
        except IntegrityError:
            logger.error("Portal %s gave reference %s, already another application's", submission.connector, reference)
            return _flag(submission, f"The portal gave reference {reference}, which another application already has.")
        try:
            _transition(application=application, to=State.FORWARDED, actor=ApplicationTransition.Actor.PORTAL,
                                   note=f"Portal reference {reference}")  # fmt: skip
        except ApplicationError as exc:  # an officer moved it meanwhile: the reference is kept all the same
            logger.info(
                "Application %s reached the portal but stays %s: %s", application.reference, application.state, exc
            )
    logger.info("Application %s sent to %s as %s", application.reference, submission.connector, reference)
    return "sent"


def _retry_later(submission: PortalSubmission, error: str) -> str:
    attempts = PortalSubmission.objects.values_list("attempts", flat=True).get(pk=submission.pk)
    if attempts >= settings.PORTAL_MAX_ATTEMPTS:
        return _flag(submission, f"Gave up after {attempts} attempts: {error}")
    delay = timedelta(minutes=min(2 ** (attempts - 1), settings.PORTAL_BACKOFF_MAX_MINUTES))
    PortalSubmission.objects.filter(pk=submission.pk, state=Outbox.SENDING).update(
        state=Outbox.PENDING, next_attempt_at=timezone.now() + delay, claimed_at=None, last_error=error[:2000],
        updated_at=timezone.now(),
    )  # fmt: skip
    logger.warning("Portal %s unavailable for %s (attempt %s): %s", submission.connector,
                   submission.idempotency_key, attempts, error)  # fmt: skip
    _tell_citizen_queued(submission)
    return "retry"


def _flag(submission: PortalSubmission, error: str) -> str:
    PortalSubmission.objects.filter(pk=submission.pk, state=Outbox.SENDING).update(
        state=Outbox.FAILED, claimed_at=None, last_error=error[:2000], updated_at=timezone.now()
    )
    logger.error("Application %s flagged for an officer: %s", submission.idempotency_key, error)
    return "flagged"


def _tell_citizen_queued(submission: PortalSubmission) -> None:
    """Once per application, and only inside the 24-hour window: the forwarded update follows anyway."""
    from apps.conversations import outbound

    application = Application.objects.select_related("conversation__citizen").get(pk=submission.application_id)
    conversation = application.conversation
    if not conversation.window_open():
        return
    with transaction.atomic():
        if not PortalSubmission.objects.filter(pk=submission.pk, queued_notice_at__isnull=True).update(
            queued_notice_at=timezone.now()
        ):
            return
        with translation.override(conversation.citizen.language or application.language):
            body = str(QUEUED_TEXT % {"reference": application.reference})
        outbound.text(conversation=conversation, body=body, purpose=outbound.NOTIFICATION)


def portal_submission_retry(*, submission: PortalSubmission) -> bool:
    """An officer sends a flagged row again (the admin's action): attempts start afresh."""
    now = timezone.now()
    updated = PortalSubmission.objects.filter(pk=submission.pk, state=Outbox.FAILED).update(
        state=Outbox.PENDING, attempts=0, next_attempt_at=now, last_error="", updated_at=now
    )
    if updated:
        transaction.on_commit(lambda: _send_task(submission.pk), robust=True)
    return bool(updated)


# News from the portal: callbacks and polls.


def _status_apply(*, application: Application, connection: ConnectionConfig, portal_status: str, note: str) -> str:
    """Record the portal's status and move the application to the state it maps to (ApplicationError when
    that move is not allowed). Returns the new state, or "" when it does not move."""
    Application.objects.filter(pk=application.pk).update(portal_status=portal_status[:100])
    to = connection.state_for(portal_status)
    if to is None:
        logger.warning("Portal %s sent status %r, which maps to no state", connection.connector, portal_status[:100])
        return ""
    current = Application.objects.values_list("state", flat=True).get(pk=application.pk)
    if to == current:
        return ""
    if to == State.DOCUMENTS_REQUESTED:
        Application.objects.filter(pk=application.pk).update(
            officer_note=note or "The department asks for more documents."
        )
    elif to == State.REJECTED:
        Application.objects.filter(pk=application.pk).update(rejection_reason=note or "Not approved by the department.")
    _transition(application=application, to=to, actor=ApplicationTransition.Actor.PORTAL, note=note)
    return to


def portal_callback_apply(callback: StatusCallback) -> str | None:
    """Act on a portal's signed status callback for one of our applications, once per event id: "moved",
    "recorded" or "duplicate"; None when no application of that portal has the reference.

    ApplicationError when the status would move the application backwards or sideways (nothing changes).
    """
    connection = callback.connection
    ours = callback.reference.upper().replace(" ", "").replace("-", "")
    application = (
        Application.objects.filter(service__connector=connection.connector)
        .filter(Q(portal_reference=callback.reference) | Q(reference=ours))
        .first()
    )
    if application is None:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = PortalCallbackEvent.objects.create(
                    connector=connection.connector, event_id=callback.event_id, application=application,
                    portal_status=callback.portal_status, note=callback.note,
                )  # fmt: skip
        except IntegrityError:
            return "duplicate"
        to = _status_apply(application=application, connection=connection, portal_status=callback.portal_status,
                           note=callback.note)  # fmt: skip
        if to:
            PortalCallbackEvent.objects.filter(pk=event.pk).update(to_state=to)
    return "moved" if to else "recorded"


def portal_polls_due(*, limit: int = 200) -> list[int]:
    """Outbox rows of applications at a portal with no news for PORTAL_POLL_AFTER_MINUTES (lost callbacks)."""
    cutoff = timezone.now() - timedelta(minutes=settings.PORTAL_POLL_AFTER_MINUTES)
    rows = PortalSubmission.objects.filter(
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=cutoff),
        state=Outbox.SENT, application__state__in=POLLED_STATES, application__updated_at__lt=cutoff,
    ).order_by(F("last_polled_at").asc(nulls_first=True))  # fmt: skip
    return list(rows.values_list("pk", flat=True)[:limit])


def portal_submission_poll(*, submission_id: int) -> str:
    """Ask the portal where an application stands and move it accordingly (once per poll interval)."""
    cutoff = timezone.now() - timedelta(minutes=settings.PORTAL_POLL_AFTER_MINUTES)
    claimed = PortalSubmission.objects.filter(
        Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=cutoff), pk=submission_id, state=Outbox.SENT
    ).update(last_polled_at=timezone.now())
    submission = PortalSubmission.objects.select_related("application__service").get(pk=submission_id)
    connection = connection_get(connector=submission.connector)
    if not claimed or connection is None:
        return "skipped"
    try:
        result = connector_for(connection).status(submission.application.portal_reference or "")
        with transaction.atomic():
            to = _status_apply(application=submission.application, connection=connection,
                               portal_status=result.portal_status, note=result.note)  # fmt: skip
    except (PortalUnavailable, PortalRefused) as exc:
        logger.warning("Polling %s for %s failed: %s", submission.connector, submission.idempotency_key, exc)
        return "unavailable"
    except ApplicationError as exc:
        logger.warning("Portal %s status for %s not applied: %s", submission.connector, submission.idempotency_key, exc)
        return "refused move"
    return "moved" if to else "unchanged"
