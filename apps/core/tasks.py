from celery import shared_task

from .services import heartbeat_record


@shared_task
def heartbeat_record_task(name: str = "worker") -> None:
    heartbeat_record(name=name)
