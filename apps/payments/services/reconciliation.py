"""Reconciliation (beat): asking the gateway about links still open, and finding paid payments whose
effects or portal notice were lost; what it learns meets the callbacks in `payment_settle`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.applications.models import Application

from ..gateways import gateway_get
from ..gateways.base import GatewayError, GatewayRefused, GatewayState
from ..models import Payment
from .settlement import _close, _flag, payment_settle

logger = logging.getLogger(__name__)

State = Payment.State


def payments_effects_unfinished(*, limit: int = 200) -> list[int]:
    """Paid payments whose effects have not happened ten minutes on (the task was lost with the broker, or
    failed): no receipt yet, or the application still waiting for its fee."""
    cutoff = timezone.now() - timedelta(minutes=10)
    return list(
        Payment.objects.filter(state=State.PAID, paid_at__lt=cutoff)
        .filter(Q(receipt__isnull=True) | Q(application__state=Application.State.PAYMENT_PENDING))
        .values_list("pk", flat=True)[:limit]
    )


def payments_portal_unnotified(*, limit: int = 200) -> list[int]:
    """Paid demands whose portal has not been told after ten minutes (the task's retries ran out)."""
    cutoff = timezone.now() - timedelta(minutes=10)
    return list(
        Payment.objects.filter(state=State.PAID, portal_notified_at__isnull=True, paid_at__lt=cutoff)
        .exclude(demand_id="")
        .exclude(needs_attention=True)
        .values_list("pk", flat=True)[:limit]
    )


def payments_to_reconcile(*, limit: int = 500) -> list[int]:
    """Open payments older than PAYMENT_RECONCILE_AFTER_MINUTES not asked about in as long."""
    cutoff = timezone.now() - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return list(
        Payment.objects.filter(state__in=[State.CREATED, State.PENDING], created_at__lt=cutoff, needs_attention=False)
        .filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def payment_reconcile(*, payment_id: int) -> str:
    """Ask the gateway about one open payment: settle what was paid without our hearing, close what
    expired or failed. Safe to run twice and beside callbacks (they meet in `payment_settle`)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.state not in (State.CREATED, State.PENDING):
        return "closed"
    Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
    if payment.state == State.CREATED or not payment.gateway_order_id:
        if payment.created_at < timezone.now() - timedelta(minutes=settings.PAYMENT_LINK_MINUTES):
            _close(payment, State.EXPIRED)  # its link was never made, and nobody asked again
            return "expired"
        return "no link"
    try:
        found = gateway_get(payment.provider).link_state(payment)
    except GatewayRefused as error:  # the gateway does not know the link: asking again will not help
        _flag(payment, f"the gateway does not know link {payment.gateway_order_id}: {error}"[:300], GatewayState("?"))
        _close(payment, State.FAILED)
        return "flagged"
    except GatewayError:
        logger.warning("Payment %s: gateway not answering", payment.reference, exc_info=True)
        return "unreachable"
    if found.state == "paid":
        return payment_settle(payment_id=payment.pk, found=found, source="reconciliation")
    if found.state in ("expired", "cancelled") or (payment.expires_at and payment.expires_at <= timezone.now()):
        return "expired" if _close(payment, State.EXPIRED) else "closed"
    if found.state == "failed":
        return "failed" if _close(payment, State.FAILED) else "closed"
    return "pending"
