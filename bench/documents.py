"""Benchmark: the CPU costs of applying and paying that sit in the worker, on one core.

    .venv/bin/python bench/documents.py [--rounds 30]

- `answer_parse`: answers of every typed kind (dates as citizens write them, Delhi PIN codes, mobiles,
  Aadhaar numbers, incomes, names), per second.
- `document_check`: a 12-megapixel phone photo of a page (JPEG, about 1 MB) and a 5-page PDF, per file:
  what a citizen's upload costs before it is accepted (decoding, the blank-page test, pypdf).
- `certificate_pdf` and `receipt_pdf`: one certificate (shaped Hindi, a QR code) and one receipt, per file.

No database: the fields are unsaved rows. Prints one JSON object; also the process's peak memory.
"""

import argparse
import io
import json
import os
import resource
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")


def per_second(function, rounds: int) -> tuple[float, float]:
    """(calls a second, milliseconds a call), best of three runs of `rounds` calls."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(rounds):
            function()
        best = min(best, (time.perf_counter() - start) / rounds)
    return round(1 / best, 1), round(best * 1000, 2)


def photo_of_a_page() -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (4000, 3000), (236, 232, 225))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=60)
    for line in range(40):
        draw.text((200, 120 + line * 70), "Name: Ram Kumar  S/o Shyam Lal  House 12, Janpath, New Delhi 110001"[: 30 +
                  line % 40], fill=(30, 30, 40), font=font)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def pdf_of(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        for line in range(40):
            pdf.cell(text=f"Income certificate, page {number + 1}, line {line}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    import django

    django.setup()
    from apps.applications.answers import answer_parse
    from apps.applications.documents import document_check
    from apps.applications.pdf import CertificateLine, certificate_pdf
    from apps.payments.pdf import ReceiptItem, receipt_pdf
    from apps.services.models import FormField

    answers = [
        (FormField(key="dob", type="date", validation={"date": "past"}), "१२ मार्च २०१९"),
        (FormField(key="dob2", type="date", validation={"date": "past"}), "12-3-19"),
        (FormField(key="pin", type="pincode"), "110092"),
        (FormField(key="mobile", type="phone"), "+91 98111-00001"),
        (FormField(key="aadhaar", type="aadhaar"), "2345 6789 0124"),
        (FormField(key="income", type="number", validation={"min": 0, "max": 10_000_000}), "2,50,000"),
        (FormField(key="name", type="text", validation={"min_length": 3}), "Sunita Devi"),
    ]

    def parse_all():
        for field, text in answers:
            answer_parse(field=field, text=text)

    rate, _ = per_second(parse_all, args.rounds * 20)
    results = {"answers_a_second": round(rate * len(answers))}

    photo, pdf = photo_of_a_page(), pdf_of(5)
    results["photo_bytes"] = len(photo)
    _, results["check_photo_ms"] = per_second(
        lambda: document_check(content=photo, accepted_types=["jpg", "pdf"], max_size_mb=5), args.rounds
    )
    _, results["check_pdf_5_pages_ms"] = per_second(
        lambda: document_check(content=pdf, accepted_types=["jpg", "pdf"], max_size_mb=5), args.rounds
    )

    lines = [CertificateLine("Name of the child", "बच्चे का नाम", "आरव शर्मा"),
             CertificateLine("Date of birth", "जन्म तिथि", "12 March 2019"),
             CertificateLine("Place of birth", "जन्म स्थान", "Lok Nayak Hospital, Delhi"),
             CertificateLine("Address", "पता", "H-12, क्षेत्र 4, किरायेदार मार्ग, पूर्वी दिल्ली 110092")]  # fmt: skip
    _, results["certificate_ms"] = per_second(lambda: certificate_pdf(
        title_en="Birth certificate", title_hi="जन्म प्रमाण पत्र", department_en="Municipal Corporation of Delhi",
        department_hi="दिल्ली नगर निगम", reference="DLA260001234", certificate_number="MCD-BIRTH/2026/1234567",
        issued_on=date(2026, 11, 28), lines=lines, verify_url="https://govchat.delhi.gov.in/verify/abc/",
        signed_by="Registrar (Births), MCD"), args.rounds)  # fmt: skip
    _, results["receipt_ms"] = per_second(lambda: receipt_pdf(
        language="hi", number="RCPT/2026/1234567", reference="DLP260004567", department_en="Delhi Jal Board",
        department_hi="दिल्ली जल बोर्ड", description="पानी का बिल, नवंबर 2026",
        items=[ReceiptItem("पानी का शुल्क", "₹418.50"), ReceiptItem("सीवर शुल्क", "₹251.10")], total="₹669.60",
        paid_at=datetime(2026, 11, 28, 12, 0), transaction_id="pay_sbx_123", method="upi",
        payer="••••••0001", verify_url="https://govchat.delhi.gov.in/verify/def/"), args.rounds)  # fmt: skip
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
