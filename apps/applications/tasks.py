from celery import shared_task

from .services import application_drafts_expire, application_notify


@shared_task(acks_late=True)  # idempotent: the transition row, locked, remembers its message
def application_notify_task(transition_id: int) -> None:
    application_notify(transition_id=transition_id)


@shared_task
def application_drafts_expire_task() -> int:
    return application_drafts_expire()


# Department portals: the outbox and polls of applications (apps/applications/portal_outbox.py).


@shared_task(acks_late=True)  # idempotent: the send claims its outbox row; the portal dedupes by key
def portal_submission_send_task(submission_id: int) -> str:
    from .portal_outbox import portal_submission_send

    return portal_submission_send(submission_id=submission_id)


@shared_task
def portal_submissions_sweep_task() -> int:
    from .portal_outbox import portal_submissions_backfill, portal_submissions_due

    portal_submissions_backfill()
    due = portal_submissions_due()
    for submission_id in due:
        portal_submission_send_task.delay(submission_id)
    return len(due)


@shared_task(acks_late=True)  # idempotent: one poll per row per interval (conditional update)
def portal_submission_poll_task(submission_id: int) -> str:
    from .portal_outbox import portal_submission_poll

    return portal_submission_poll(submission_id=submission_id)


@shared_task
def portal_polls_sweep_task() -> int:
    from .portal_outbox import portal_polls_due

    due = portal_polls_due()
    for submission_id in due:
        portal_submission_poll_task.delay(submission_id)
    return len(due)
