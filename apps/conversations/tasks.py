from celery import shared_task

from .services import inbound_message_process, inbound_messages_stuck


@shared_task(acks_late=True)  # idempotent: processing checks processed_at under a row lock
def inbound_message_process_task(message_id: int) -> None:
    inbound_message_process(message_id=message_id)


@shared_task
def inbound_sweep_task() -> int:
    """Re-queue what a citizen sent that was stored but never processed, so nothing is lost."""
    stuck = inbound_messages_stuck()
    for message_id in stuck:
        inbound_message_process_task.delay(message_id)
    return len(stuck)
