from celery import shared_task

from .services import application_drafts_expire, application_notify


@shared_task(acks_late=True)  # idempotent: the transition row, locked, remembers its message
def application_notify_task(transition_id: int) -> None:
    application_notify(transition_id=transition_id)


@shared_task
def application_drafts_expire_task() -> int:
    return application_drafts_expire()
