"""What a receipt's verify page prints (registered with `apps.documents` in `PaymentsConfig.ready`): genuine,
or refunded (in red), with what the receipt prints but the payer."""

from __future__ import annotations

from django.utils import timezone

from apps.core.formatting import date_display, datetime_display
from apps.documents.registry import Verifiable

from .models import Payment, Receipt


def receipt_verifiable(token: str) -> Verifiable | None:
    """The receipt with this verify token, as the public page shows it, or None."""
    receipt = Receipt.objects.select_related("payment").filter(token=token).first()
    if receipt is None:
        return None
    return Verifiable(
        template="payments/verify_receipt.html",
        context=lambda language, other: _context(receipt, language, other),
        pdf_name="receipt",
        file=receipt.file,
        filename=receipt.number.replace("/", "-") + ".pdf",
        # A refunded payment's receipt no longer proves a payment.
        withdrawn=receipt.payment.state == Payment.State.REFUNDED,
    )


def _context(receipt: Receipt, language: str, other: str) -> dict:
    payment = receipt.payment
    refunded = payment.state == Payment.State.REFUNDED and timezone.localdate(payment.closed_at or payment.updated_at)
    return {
        "receipt": receipt,
        "payment": payment,
        "description": payment.description_hi if language == "hi" else payment.description_en,
        "paid_on": payment.paid_at and datetime_display(moment=payment.paid_at),
        "refunded_on": refunded and date_display(day=refunded),
        "refunded_on_other": refunded and date_display(day=refunded, language=other),
    }
