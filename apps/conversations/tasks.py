from celery import shared_task

from apps.core.queue import task_queue
from apps.whatsapp.client import GraphError

from .delivery import mark_read_send, outbound_deliver, outbound_queued_stuck, outbound_stuck_settle
from .inbound import ENGINE_TASK, webhook_event_process, webhook_events_drain
from .media import media_download, media_download_failed
from .services import inbound_messages_stuck


@shared_task(acks_late=True)  # idempotent: the event's pending updates are locked and marked processed
def webhook_event_process_task(event_id: int) -> None:
    webhook_event_process(event_id=event_id)


@shared_task  # idempotent: a drain only takes pending updates, under SKIP LOCKED
def webhook_events_drain_task() -> int:
    return webhook_events_drain()


@shared_task
def inbound_sweep_task() -> int:
    """Re-queue what a citizen sent that was stored but never processed, so nothing is lost."""
    stuck = inbound_messages_stuck()
    for message_id in stuck:
        task_queue(ENGINE_TASK, message_id)
    return len(stuck)


@shared_task(bind=True, max_retries=None)
def outbound_send_task(self, message_id: int) -> None:
    result = outbound_deliver(message_id=message_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)


@shared_task
def outbound_settle_task() -> int:
    """Flag rows a killed worker left mid-send, and send rows whose task was lost."""
    for message_id in outbound_queued_stuck():
        outbound_send_task.delay(message_id)
    return outbound_stuck_settle()


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def media_download_task(self, message_id: int) -> None:
    try:
        media_download(message_id=message_id)
    except GraphError as exc:
        if self.request.retries >= self.max_retries:
            media_download_failed(message_id=message_id, error=exc)
            return
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def mark_read_task(self, message_id: int) -> None:
    try:
        mark_read_send(message_id=message_id)
    except GraphError as exc:
        if exc.retryable:
            raise self.retry(exc=exc) from exc  # a read receipt is cosmetic: anything else is dropped
