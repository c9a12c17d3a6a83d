from celery import shared_task

from apps.core.queue import task_queue

from .services import EVENT_TASK, webhook_events_stuck


@shared_task
def webhook_sweep_task() -> int:
    """Re-queue webhook events whose updates were stored but never processed, so nothing is lost."""
    stuck = webhook_events_stuck()
    for event_id in stuck:
        task_queue(EVENT_TASK, event_id)
    return len(stuck)
