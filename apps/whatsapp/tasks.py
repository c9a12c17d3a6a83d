from celery import shared_task

from .client import GraphError
from .gateway import mark_read_send, outbound_deliver, outbound_queued_stuck, outbound_stuck_settle
from .media import media_download, media_download_failed


@shared_task(bind=True, max_retries=None)
def outbound_send_task(self, message_id: int) -> None:
    result = outbound_deliver(message_id=message_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)


@shared_task(bind=True, max_retries=5, default_retry_delay=30)
def media_download_task(self, message_id: int) -> None:
    try:
        media_download(message_id=message_id)
    except GraphError as exc:
        if self.request.retries >= self.max_retries:
            media_download_failed(message_id=message_id, error=exc)
            return
        raise self.retry(exc=exc) from exc


@shared_task
def outbound_settle_task() -> int:
    """Flag rows a killed worker left mid-send, and send rows whose task was lost."""
    for message_id in outbound_queued_stuck():
        outbound_send_task.delay(message_id)
    return outbound_stuck_settle()


@shared_task(bind=True, max_retries=3, default_retry_delay=10)
def mark_read_task(self, message_id: int) -> None:
    try:
        mark_read_send(message_id=message_id)
    except GraphError as exc:
        if exc.retryable:
            raise self.retry(exc=exc) from exc  # a read receipt is cosmetic: anything else is dropped
