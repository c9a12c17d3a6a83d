from celery import shared_task

from .process import inbound_message_process


@shared_task(acks_late=True)  # idempotent: processing checks processed_at under a row lock
def inbound_message_process_task(message_id: int) -> None:
    inbound_message_process(message_id=message_id)
