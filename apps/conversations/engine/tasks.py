from celery import shared_task

from .pay import payment_link_offer
from .process import inbound_message_process


@shared_task(acks_late=True)  # idempotent: processing checks processed_at under a row lock
def inbound_message_process_task(message_id: int) -> None:
    inbound_message_process(message_id=message_id)


@shared_task(bind=True, max_retries=3, default_retry_delay=30)
def payment_link_offer_task(self, conversation_id: int, application_id: int) -> None:
    payment_link_offer(conversation_id=conversation_id, application_id=application_id)
