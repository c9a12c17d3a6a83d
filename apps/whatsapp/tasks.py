from celery import shared_task

from .client import GraphError
from .gateway import outbound_deliver, outbound_stuck_settle
from .media import media_download


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
        raise self.retry(exc=exc) from exc


@shared_task
def outbound_settle_task() -> int:
    return outbound_stuck_settle()
