from celery import shared_task

from apps.portals.base import PortalUnavailable

from .services import (
    payment_failed_notify,
    payment_link_cancel,
    payment_paid_effects,
    payment_portal_notify,
    payment_reconcile,
    payment_refunded_notify,
    payments_effects_unfinished,
    payments_portal_unnotified,
    payments_to_reconcile,
)


# idempotent: each effect checks what is done (application state, receipt row)
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
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
    for payment_id in payments_portal_unnotified():
        payment_portal_notify_task.delay(payment_id)
    for payment_id in payments_effects_unfinished():
        payment_paid_task.delay(payment_id)
    return len(due)


# idempotent: the portal dedupes by our reference, and the row remembers it was told. One retry soon; after
# that the beat sweep asks again once a minute while the portal is down (never a pile of retry chains).
@shared_task(acks_late=True, autoretry_for=(PortalUnavailable,), retry_backoff=30, max_retries=1)
def payment_portal_notify_task(payment_id: int) -> bool:
    return payment_portal_notify(payment_id=payment_id)


@shared_task(bind=True, max_retries=8, acks_late=True)  # idempotent: the callback endpoint keeps each event once
def sandbox_callback_task(self, order_id: str, body: str) -> int | None:
    """The sandbox gateway's signed callback over HTTP, retried with backoff as a real gateway does."""
    from .gateways.base import GatewayError, GatewayRefused
    from .gateways.sandbox import callback_deliver

    try:
        return callback_deliver(order_id=order_id, body=body)
    except GatewayRefused:
        return None
    except GatewayError as error:
        raise self.retry(exc=error, countdown=min(15 * 2**self.request.retries, 1800)) from error


@shared_task
def payment_link_cancel_task(payment_id: int) -> None:
    payment_link_cancel(payment_id=payment_id)
