"""Receipts for paid payments: a PDF in the citizen's language, checked by its QR code's token, sent once.

`receipt_issue` holds the payment's row lock, so a repeated `payment_paid_task` (acks_late) or two workers at
once give one receipt and one message. The text and the document are written in the same transaction as the
Receipt row (the outbox), so they exist exactly when it does and are sent after commit.
"""

from __future__ import annotations

import logging
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.core.formatting import rupees
from apps.core.references import token_unique, value_unique
from apps.documents.links import verify_pdf_url, verify_url

from . import texts
from .models import Payment, Receipt
from .pdf import ReceiptItem, receipt_pdf

logger = logging.getLogger(__name__)

METHODS = {
    "upi": ("UPI", "यूपीआई (UPI)"),
    "card": ("Card", "कार्ड"),
    "netbanking": ("Net banking", "नेट बैंकिंग"),
    "wallet": ("Wallet", "वॉलेट"),
    "emi": ("EMI", "ईएमआई (EMI)"),
}


def receipt_issue(*, payment: Payment) -> Receipt | None:
    """Make the receipt of a paid payment and send it to the citizen on WhatsApp, once.

    Returns None for a payment that is not paid. A payment that has its receipt gets that one back and
    nothing is sent again. The PDF is stored in `Receipt.file`; the PAID text and the PDF as a document are
    queued in this transaction, so they go out only if the receipt is saved.
    """
    payment = Payment.objects.select_related(
        "service__department", "application", "conversation__citizen", "citizen"
    ).get(pk=payment.pk)
    existing = Receipt.objects.filter(payment=payment).first()
    if existing is not None or payment.state != Payment.State.PAID:
        return existing
    # Rendered and stored before the payment's row is locked (a PDF takes a tenth of a second, an upload to
    # object storage longer): callbacks and reconciliation of this payment never wait on it.
    receipt = _receipt_build(payment=payment)
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            existing = Receipt.objects.filter(payment=locked).first()
            if existing is not None or locked.state != Payment.State.PAID:  # another worker was first
                receipt.file.delete(save=False)
                return existing
            receipt.save()
            _receipt_send(payment=payment, receipt=receipt)
    except Exception:
        receipt.file.delete(save=False)
        raise
    logger.info("Receipt %s issued for payment %s", receipt.number, payment.reference)
    return receipt


def receipt_number_new() -> str:
    """`RCPT/<YYYY>/<7 random digits>`: random, so a number reveals nothing about how many there are."""
    return f"RCPT/{timezone.localdate():%Y}/{secrets.randbelow(10**7):07d}"


def receipt_verify_url(*, receipt: Receipt) -> str:
    """The public page the receipt's QR code points at (the same page as certificates')."""
    return verify_url(token=receipt.token)


def receipt_pdf_url(*, receipt: Receipt) -> str:
    """The public address of the PDF (Meta fetches the WhatsApp document from it)."""
    return verify_pdf_url(token=receipt.token, pdf_name="receipt")


def masked_number(wa_id: str) -> str:
    """A WhatsApp number as printed and shown to officers: its last four digits only."""
    return f"••••••{wa_id[-4:]}" if wa_id else "—"


def method_display(method: str, language: str) -> str:
    names = METHODS.get((method or "").lower())
    if names is None:
        return method or "—"
    return names[1] if language == "hi" else names[0]


def _receipt_build(*, payment: Payment) -> Receipt:
    """The receipt's row (unsaved) with its PDF rendered and stored."""
    language = "hi" if payment.conversation.citizen.language == "hi" else "en"
    hindi = language == "hi"
    department = payment.service.department
    receipt = Receipt(payment=payment, number=value_unique(model=Receipt, field="number", new=receipt_number_new),
                      token=token_unique(model=Receipt), language=language)  # fmt: skip
    items = [
        ReceiptItem(label=(line.get("label_hi") if hindi else line.get("label_en")) or line.get("label_en") or "—",
                    amount=rupees(int(line.get("amount_paise") or 0)))
        for line in payment.breakup or []
    ] or [ReceiptItem(label=payment.description_hi if hindi else payment.description_en,
                      amount=rupees(payment.amount_paise))]  # fmt: skip
    content = receipt_pdf(
        language=language, number=receipt.number, reference=payment.reference,
        department_en=department.name_en, department_hi=department.name_hi or department.name_en,
        description=payment.description_hi if hindi else payment.description_en, items=items,
        total=rupees(payment.amount_paise), paid_at=payment.paid_at or timezone.now(),
        transaction_id=payment.gateway_payment_id or "—", method=method_display(payment.method, language),
        payer=masked_number(payment.citizen.wa_id),
        application_reference=(payment.application.reference or "") if payment.application else "",
        verify_url=receipt_verify_url(receipt=receipt),
    )  # fmt: skip
    receipt.file.save(receipt.number.replace("/", "-") + ".pdf", ContentFile(content), save=False)
    return receipt  # not saved yet: the caller saves it under the payment's lock


def _receipt_send(*, payment: Payment, receipt: Receipt) -> None:
    from apps.conversations import outbound

    conversation = payment.conversation
    with translation.override(receipt.language):
        body = str(texts.PAID) % {"amount": payment.rupees, "what": payment.description,
                                  "reference": payment.reference}  # fmt: skip
        caption = gettext("Payment receipt %(number)s") % {"number": receipt.number}
    outbound.text(conversation=conversation, body=body, purpose=outbound.NOTIFICATION)
    outbound.media(
        conversation=conversation, kind="document", link=receipt_pdf_url(receipt=receipt),
        filename=f"receipt-{payment.reference}.pdf", caption=caption, purpose=outbound.NOTIFICATION,
    )  # fmt: skip
