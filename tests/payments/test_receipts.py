"""Receipts: the PDF in the citizen's language, issued once, sent on WhatsApp, and checked on the verify page."""

import io
import re
from datetime import UTC, datetime

import pypdf
import pypdfium2
import pytest
from django.urls import reverse
from PIL import ImageStat

from apps.conversations.models import Message
from apps.payments.models import Payment, Receipt
from apps.payments.receipts import receipt_issue
from tests.factories import make_application, make_citizen, make_conversation, make_department, make_service

pytestmark = pytest.mark.django_db

WA_ID = "919876505678"


def make_paid(*, language: str = "en", state: str = "paid", fee: bool = False, **fields) -> Payment:
    """A payment the gateway says was paid: ₹1,234.50 of property tax (or an application fee)."""
    department = make_department(name_en="Municipal Corporation of Delhi", name_hi="दिल्ली नगर निगम")
    service = make_service(department=department, code=f"{department.code}-PTAX", name_en="Property tax",
                           name_hi="संपत्ति कर")  # fmt: skip
    conversation = make_conversation(citizen=make_citizen(language=language, wa_id=fields.pop("wa_id", WA_ID)))
    application = make_application(service=service, conversation=conversation) if fee else None
    values = {
        "reference": fields.pop("reference", f"DLP25{Payment.objects.count():07d}"),
        "purpose": Payment.Purpose.APPLICATION_FEE if fee else Payment.Purpose.PROPERTY_TAX,
        "service": service, "application": application, "demand_id": "" if fee else "0123-4567-8901/2024-25",
        "description_en": "Property tax 2024-25, property ID 0123-4567-8901",
        "description_hi": "संपत्ति कर 2024-25, संपत्ति आईडी 0123-4567-8901",
        "breakup": [{"label_en": "Tax", "label_hi": "कर", "amount_paise": 100000},
                    {"label_en": "Education cess", "label_hi": "शिक्षा उपकर", "amount_paise": 23450}],
        "amount_paise": 123450, "state": state, "citizen": conversation.citizen, "conversation": conversation,
        "provider": "sandbox", "gateway_order_id": f"sbx_{Payment.objects.count():020d}",
        "gateway_payment_id": f"pay_sbx_{Payment.objects.count():012d}", "method": "upi",
        "paid_at": datetime(2025, 3, 5, 9, 0, tzinfo=UTC),
    }  # fmt: skip
    return Payment.objects.create(**{**values, **fields})


def issue(payment, capture):
    with capture(execute=True):
        return receipt_issue(payment=payment)


def pdf_of(receipt: Receipt) -> bytes:
    with receipt.file.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def outbound(payment: Payment):
    return Message.objects.filter(conversation=payment.conversation, direction=Message.Direction.OUTBOUND)


def test_receipt_issue_stores_a_pdf_with_the_reference_transaction_and_amount(django_capture_on_commit_callbacks):
    payment = make_paid()

    receipt = issue(payment, django_capture_on_commit_callbacks)

    assert re.fullmatch(r"RCPT/\d{4}/\d{7}", receipt.number)
    assert len(receipt.token) == 32 and receipt.language == "en"
    data = pdf_of(receipt)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for shown in (payment.reference, payment.gateway_payment_id, "₹1,234.50", "₹1,000", "Payment receipt".upper(),
                  receipt.number, "5 March 2025, 14:30 IST", "UPI", "••••••5678", "Government of NCT of Delhi",
                  "computer-generated"):  # fmt: skip
        assert shown in text, shown
    assert WA_ID not in text and "98765" not in text
    page = pypdfium2.PdfDocument(data)[0].render(scale=1).to_pil().convert("L")
    assert ImageStat.Stat(page).stddev[0] > 20  # not blank


def test_a_fee_receipt_names_the_application(django_capture_on_commit_callbacks):
    payment = make_paid(fee=True)

    receipt = issue(payment, django_capture_on_commit_callbacks)

    assert payment.application.reference in pdf_text(pdf_of(receipt))


def test_a_hindi_citizen_gets_a_hindi_receipt_with_shaped_devanagari(django_capture_on_commit_callbacks):
    payment = make_paid(language="hi")

    receipt = issue(payment, django_capture_on_commit_callbacks)

    data = pdf_of(receipt)
    assert receipt.language == "hi"
    fonts = pypdf.PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    targets = []
    for font in fonts.values():
        cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode()
        targets += [bytes.fromhex(t).decode("utf-16-be") for t in re.findall(r"<[0-9A-F]{4}> <([0-9A-F]+)>", cmap)]
    # Shaped by HarfBuzz: conjuncts (क्ष of शिक्षा, र्य of कार्य...) are one glyph standing for several code points.
    assert "क्ष" in targets
    assert any(re.search("[\u0900-\u097f]", target) for target in targets)
    assert "₹1,234.50" in pdf_text(data)


def test_receipt_issue_queues_the_paid_text_and_the_document(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://govchat.example.in"
    payment = make_paid()

    receipt = issue(payment, django_capture_on_commit_callbacks)

    text, document = outbound(payment).order_by("pk")
    assert text.type == "text" and "₹1,234.50" in text.body and payment.reference in text.body
    assert document.type == "document" and text.purpose == document.purpose == "notification"
    item = document.payload["document"]
    assert item["link"] == f"https://govchat.example.in/verify/{receipt.token}/receipt.pdf"
    assert item["filename"] == f"receipt-{payment.reference}.pdf"
    assert receipt.number in item["caption"]


def test_the_hindi_citizen_is_told_in_hindi(django_capture_on_commit_callbacks):
    payment = make_paid(language="hi")

    issue(payment, django_capture_on_commit_callbacks)

    text = outbound(payment).get(type="text")
    assert "संपत्ति कर 2024-25" in text.body


def test_receipt_issue_twice_gives_one_receipt_and_one_message(django_capture_on_commit_callbacks):
    payment = make_paid()

    first = issue(payment, django_capture_on_commit_callbacks)
    second = issue(payment, django_capture_on_commit_callbacks)

    assert first.pk == second.pk and Receipt.objects.count() == 1
    assert outbound(payment).filter(type="document").count() == 1
    assert outbound(payment).filter(type="text").count() == 1


@pytest.mark.parametrize("state", ["pending", "failed", "refunded"])
def test_receipt_issue_gives_none_for_a_payment_not_paid(django_capture_on_commit_callbacks, state):
    payment = make_paid(state=state)

    assert issue(payment, django_capture_on_commit_callbacks) is None
    assert not Receipt.objects.exists() and not outbound(payment).exists()


# The verify page.


@pytest.fixture
def receipt(django_capture_on_commit_callbacks):
    return issue(make_paid(), django_capture_on_commit_callbacks)


def test_the_verify_page_shows_the_receipt_and_not_the_payer(client, receipt):
    payment = receipt.payment

    response = client.get(reverse("documents:verify", args=[receipt.token]) + "?lang=en")

    page = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"].startswith("noindex")
    for shown in ("Genuine receipt", "यह रसीद असली है", receipt.number, payment.reference, "₹1,234.50",
                  "Property tax 2024-25", "5 March 2025, 14:30 IST", payment.gateway_payment_id):  # fmt: skip
        assert shown in page, shown
    for hidden in (WA_ID, "5678", payment.citizen.name, "Education cess", "Municipal Corporation"):
        assert hidden not in page, hidden


def test_the_verify_page_in_hindi(client, receipt):
    page = client.get(reverse("documents:verify", args=[receipt.token]) + "?lang=hi").content.decode()

    assert '<html lang="hi">' in page
    assert "यह रसीद असली है" in page and "संपत्ति कर 2024-25" in page and "5 मार्च 2025" in page


def test_a_refunded_payment_shows_refunded_in_red_and_its_pdf_is_not_served(client, receipt):
    Payment.objects.filter(pk=receipt.payment_id).update(
        state="refunded", closed_at=datetime(2025, 3, 7, 6, 0, tzinfo=UTC)
    )

    page = client.get(reverse("documents:verify", args=[receipt.token]) + "?lang=en").content.decode()
    pdf = client.get(reverse("documents:verify_pdf", args=[receipt.token, "receipt"]))

    assert "Refunded on 7 March 2025" in page and 'class="status bad"' in page and "#c62828" in page
    assert "Genuine receipt" not in page
    assert pdf.status_code == 404 and "Refunded on" in pdf.content.decode()


def test_the_pdf_address_serves_the_stored_receipt(client, receipt):
    response = client.get(reverse("documents:verify_pdf", args=[receipt.token, "receipt"]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_of(receipt)


def test_an_unknown_token_is_404(client, receipt):
    for url in ("/verify/" + "B" * 32 + "/", "/verify/" + "B" * 32 + "/receipt.pdf", "/verify/nope/receipt.pdf"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "No certificate has this code" in response.content.decode()
