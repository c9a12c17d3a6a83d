"""Payment receipts as A5 PDFs (`receipt_pdf`), in the citizen's language with the title in both.

The fonts, shaping, page and QR code are `apps.documents.pdf`'s; what a receipt prints is drawn here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from fpdf import FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos

from apps.core.formatting import datetime_display
from apps.documents.pdf import (
    DEVANAGARI,
    GREEN,
    GREY,
    LATIN,
    NAVY,
    PALE,
    WHITE,
    DocumentPDF,
    band_draw,
    font_family,
    qr_draw,
)

A5 = (148, 210)  # mm; as a size, not the name (fpdf2 warns that it corrected the named A5 in 2.8.5)
RECEIPT_MARGIN = 13  # mm, on A5
RECEIPT_QR = 25  # mm
RECEIPT_LABELS = {
    "en": {
        "title": "Payment receipt",
        "number": "Receipt No.",
        "reference": "Our reference",
        "paid_on": "Paid on",
        "what": "Paid for",
        "application": "Application reference",
        "transaction": "Gateway transaction ID",
        "method": "Payment method",
        "payer": "Paid from WhatsApp number",
        "item": "Break-up",
        "amount": "Amount",
        "total": "Total paid",
        "computer": "This is a computer-generated receipt and does not require a signature.",
        "check": "Check it by scanning the QR code or at the address below.",
        "scan": "Scan to verify",
        "page": "Page",
    },
    "hi": {
        "title": "भुगतान रसीद",
        "number": "रसीद संख्या",
        "reference": "हमारा संदर्भ",
        "paid_on": "भुगतान की तिथि",
        "what": "किसका भुगतान",
        "application": "आवेदन संदर्भ",
        "transaction": "गेटवे लेनदेन आईडी",
        "method": "भुगतान का तरीका",
        "payer": "भुगतान करने वाला व्हाट्सऐप नंबर",
        "item": "विवरण",
        "amount": "राशि",
        "total": "कुल भुगतान",
        "computer": "यह कंप्यूटर द्वारा जनित रसीद है और इस पर हस्ताक्षर की आवश्यकता नहीं है।",
        "check": "QR कोड स्कैन करके या नीचे दिए गए पते पर इसकी जाँच करें।",
        "scan": "सत्यापन के लिए स्कैन करें",
        "page": "पृष्ठ",
    },
}


@dataclass(frozen=True)
class ReceiptItem:
    """One row of a receipt's break-up: its label in the receipt's language and the amount as printed (₹…)."""

    label: str
    amount: str


def receipt_pdf(
    *,
    language: str,
    number: str,
    reference: str,
    department_en: str,
    department_hi: str,
    description: str,
    items: list[ReceiptItem],
    total: str,
    paid_at: datetime.datetime,
    transaction_id: str,
    method: str,
    payer: str,
    application_reference: str = "",
    verify_url: str,
    shaping: bool = True,
) -> bytes:
    """Render an A5 payment receipt in `language` ("hi" or "en") and return the PDF bytes.

    The title is in both languages, everything else in the citizen's: who collected the money, what was paid,
    the break-up and total (amounts come formatted, ₹ with Indian grouping), when (Delhi time), the gateway's
    transaction id, the method, the payer's masked number, and a QR code to `verify_url`. Deterministic: the
    PDF's creation date is `paid_at`.
    """
    labels = RECEIPT_LABELS["hi" if language == "hi" else "en"]
    pdf = DocumentPDF(shaping=shaping, page_format=A5, margin=RECEIPT_MARGIN)
    pdf.set_title(f"Payment receipt {number}")
    pdf.set_subject("भुगतान रसीद / Payment receipt")
    pdf.set_author(f"{department_en}, Government of NCT of Delhi")
    pdf.set_keywords(f"{number} {reference} {transaction_id}")
    pdf.set_creator("govchat")
    pdf.set_producer("govchat")
    pdf.set_creation_date(paid_at.astimezone(datetime.UTC))
    pdf.footer_text = f"{labels['number']} {number}"
    pdf.running_title = f"{labels['title']} {number} · (continued)"
    pdf.add_page()

    _draw_receipt_header(pdf, department=department_hi if language == "hi" else department_en)
    titles = ("भुगतान रसीद", "PAYMENT RECEIPT") if language == "hi" else ("PAYMENT RECEIPT", "भुगतान रसीद")
    pdf.line_of(titles[0], 15, bold=True, color=NAVY, h=7.5)
    pdf.line_of(titles[1], 10.5, bold=True, color=NAVY, h=5.5)
    pdf.ln(1.5)
    _draw_receipt_identifiers(pdf, labels=labels, number=number, reference=reference, total=total)
    details = [(labels["what"], description)]
    if application_reference:
        details.append((labels["application"], application_reference))
    details += [
        (labels["paid_on"], datetime_display(moment=paid_at, language=language)),
        (labels["transaction"], transaction_id),
        (labels["method"], method),
        (labels["payer"], payer),
    ]
    _draw_receipt_details(pdf, details)
    _draw_receipt_breakup(pdf, labels=labels, items=items, total=total)
    _draw_receipt_closing(pdf, labels=labels, verify_url=verify_url)
    return bytes(pdf.output())


def _draw_receipt_header(pdf: DocumentPDF, *, department: str) -> None:
    top, height = 10, 19
    band_draw(pdf, top=top, height=height, stripe=1.1, step=1.8)
    pdf.set_y(top + 1.6)
    pdf.line_of("राष्ट्रीय राजधानी क्षेत्र दिल्ली सरकार", 11.5, bold=True, color=WHITE, h=5.8)
    pdf.line_of("Government of NCT of Delhi", 9.5, bold=True, color=WHITE, h=4.8)
    pdf.line_of(department, 8.5, color=WHITE, h=4.6)
    pdf.set_y(max(pdf.get_y(), top + height + 3) + 3)


def _draw_receipt_identifiers(pdf: DocumentPDF, *, labels: dict, number: str, reference: str,
                              total: str) -> None:  # fmt: skip
    fields = ((labels["number"], number, 10), (labels["reference"], reference, 10), (labels["total"], total, 12.5))
    top, width, height = pdf.get_y(), pdf.epw / len(fields), 15
    pdf.set_fill_color(*PALE)
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="DF")
    for index, (label, value, size) in enumerate(fields):
        x = pdf.l_margin + index * width
        pdf.set_xy(x, top + 2)
        pdf.text_style(label, 7.5, color=GREY)
        pdf.cell(width, 4.4, label, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.text_style(value, size, bold=True, color=GREEN if index == 2 else (0, 0, 0))
        pdf.multi_cell(width, 6.5, value, align="C", max_line_height=6.5)
        if index:
            pdf.line(x, top + 2, x, top + height - 2)
    pdf.set_xy(pdf.l_margin, top + height + 3)


def _draw_receipt_details(pdf: DocumentPDF, details: list[tuple[str, str]]) -> None:
    label_style = FontFace(family=DEVANAGARI, size_pt=8.5, color=(70, 70, 70))
    value_latin = FontFace(family=LATIN, emphasis="BOLD", size_pt=9, color=(0, 0, 0))
    value_devanagari = FontFace(family=DEVANAGARI, emphasis="BOLD", size_pt=9.5, color=(0, 0, 0))
    pdf.set_draw_color(170, 178, 190)
    pdf.set_line_width(0.2)
    pdf.set_font(DEVANAGARI, "", 9)
    with pdf.table(
        col_widths=(38, 62), text_align="LEFT", v_align="MIDDLE", first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES, line_height=4.3, padding=(1.1, 2),
    ) as table:  # fmt: skip
        for label, value in details:
            row = table.row()
            row.cell(label, style=label_style)
            row.cell(value or "—", style=value_devanagari if font_family(value) == DEVANAGARI else value_latin)
    pdf.ln(3)


def _draw_receipt_breakup(pdf: DocumentPDF, *, labels: dict, items: list[ReceiptItem], total: str) -> None:
    heading = FontFace(family=DEVANAGARI, emphasis="BOLD", size_pt=8.5, color=(255, 255, 255), fill_color=NAVY)
    item_style = FontFace(family=DEVANAGARI, size_pt=9, color=(0, 0, 0))
    total_style = FontFace(family=DEVANAGARI, emphasis="BOLD", size_pt=10, color=(0, 0, 0), fill_color=PALE)
    pdf.set_draw_color(170, 178, 190)
    pdf.set_line_width(0.2)
    pdf.set_font(DEVANAGARI, "", 9)
    with pdf.table(
        col_widths=(70, 30), text_align=("LEFT", "RIGHT"), v_align="MIDDLE", headings_style=heading,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES, line_height=4.5, padding=(1.1, 2),
    ) as table:  # fmt: skip
        head = table.row()
        head.cell(labels["item"])
        head.cell(labels["amount"])
        for item in items:
            row = table.row()
            row.cell(item.label, style=item_style)
            row.cell(item.amount, style=item_style)
        row = table.row()
        row.cell(labels["total"], style=total_style)
        row.cell(total, style=total_style)
    pdf.ln(4)


def _draw_receipt_closing(pdf: DocumentPDF, *, labels: dict, verify_url: str) -> None:
    needed = RECEIPT_QR + 6
    if pdf.will_page_break(needed):
        pdf.add_page()
        top = pdf.get_y() + 4
    else:
        top = max(pdf.get_y(), pdf.h - pdf.b_margin - needed)
    qr_x = pdf.w - pdf.r_margin - RECEIPT_QR
    qr_draw(pdf, verify_url, x=qr_x, y=top, size=RECEIPT_QR)
    pdf.set_xy(qr_x - 8, top + RECEIPT_QR + 0.3)
    pdf.text_style(labels["scan"], 7, color=GREY)
    pdf.cell(RECEIPT_QR + 16, 3.8, labels["scan"], align="C")

    text_width = qr_x - pdf.l_margin - 5
    pdf.set_xy(pdf.l_margin, top + 3)
    for text, size, color in ((labels["computer"], 8.5, NAVY), (labels["check"], 8, (40, 40, 40))):
        pdf.text_style(text, size, bold=color == NAVY, color=color)
        pdf.multi_cell(text_width, size * 0.52, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
    pdf.text_style(verify_url, 7.5, color=NAVY)
    pdf.multi_cell(text_width, 3.8, verify_url, wrapmode="CHAR", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
