from celery import shared_task

from .services import (
    payment_failed_notify,
    payment_paid_effects,
    payment_reconcile,
    payment_refunded_notify,
    payments_to_reconcile,
)


@shared_task(acks_late=True)  # idempotent: each effect checks what is done (application state, receipt row)
def payment_paid_task(payment_id: int) -> None:
    payment_paid_effects(payment_id=payment_id)


@shared_task
def payment_failed_task(payment_id: int) -> None:
    payment_failed_notify(payment_id=payment_id)


@shared_task
def payment_refunded_task(payment_id: int) -> None:
    payment_refunded_notify(payment_id=payment_id)


@shared_task(acks_late=True)  # idempotent: payment_settle holds the row lock and moves only forward
def payment_reconcile_task(payment_id: int) -> str:
    return payment_reconcile(payment_id=payment_id)


@shared_task
def payments_reconcile_task() -> int:
    due = payments_to_reconcile()
    for payment_id in due:
        payment_reconcile_task.delay(payment_id)
    return len(due)
