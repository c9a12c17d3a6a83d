"""Department portals: the outbox that sends applications, the status callbacks and polls that bring
news back, the status-only lookups, and the dues of pay services (and the word back when one is paid).

An application of a portal-fulfilled service gets a `PortalSubmission` row when it is submitted
(`portal_submission_queue`). A task sends it with the application's reference as the idempotency key;
a portal that is down puts it back with a backoff (1, 2, 4 ... minutes) for the beat sweeper, and the
citizen is told once that it waits. After PORTAL_MAX_ATTEMPTS, or when the portal refuses it, the row is
flagged for an officer and the application stays "submitted": it is never lost. Sends are claimed with a
conditional UPDATE, so two workers never send one row at once; a crash mid-send is retried with the same
key, which the portal answers with the same reference.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from apps.core.exceptions import ApplicationError
from apps.services.models import Service

from ..models import Application, ApplicationTransition, PortalCallbackEvent, PortalSubmission
from .base import DuesPaidResult, LookupResult, PortalDemand, PortalRefused, PortalUnavailable
from .config import ConnectionConfig, connection_get
from .rest import connector_for

logger = logging.getLogger(__name__)

State = Application.State
Outbox = PortalSubmission.State
SIGNATURE_HEADER = "X-Portal-Signature"
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
    from ..services import application_transition

    return application_transition(**kwargs)


class CallbackRejected(Exception):
    """A callback we do not act on; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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
    from ..tasks import portal_submission_send_task

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
        result = connector_for(connection).submit(application, idempotency_key=submission.idempotency_key)
    except PortalRefused as exc:
        return _flag(submission, str(exc))
    except PortalUnavailable as exc:
        return _retry_later(submission, str(exc))
    except Exception as exc:  # a broken connection (bad path, undecryptable secret): counted, then flagged
        logger.exception("Sending %s to %s failed", submission.idempotency_key, submission.connector)
        return _retry_later(submission, f"{exc.__class__.__name__}: {exc}")
    return _sent(submission, result.portal_reference, result.portal_status)


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
    """Act on a signed status callback, once per event id: "moved", "recorded" or "duplicate".

    CallbackRejected for a body without reference and status (400) or a reference we do not know (404);
    ApplicationError when the status would move the application backwards or sideways (nothing changes).
    """
    reference = str(payload.get("reference") or "").strip()[:100]
    portal_status = str(payload.get("status") or "").strip()[:100]
    if not reference or not portal_status:
        raise CallbackRejected(400, "Give a reference and a status.")
    note = str(payload.get("note") or "").strip()[:2000]
    event_id = str(payload.get("event_id") or "").strip()[:100] or "sha256:" + hashlib.sha256(body).hexdigest()[:60]
    ours = reference.upper().replace(" ", "").replace("-", "")
    application = (
        Application.objects.filter(service__connector=connection.connector)
        .filter(Q(portal_reference=reference) | Q(reference=ours))
        .first()
    )
    if application is None:
        logger.warning("Portal %s sent a callback for an unknown reference", connection.connector)
        raise CallbackRejected(404, "No application has this reference.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = PortalCallbackEvent.objects.create(
                    connector=connection.connector, event_id=event_id, application=application,
                    portal_status=portal_status, note=note,
                )  # fmt: skip
        except IntegrityError:
            return "duplicate"
        to = _status_apply(application=application, connection=connection, portal_status=portal_status, note=note)
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
        result = connector_for(connection).status(submission.application)
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
