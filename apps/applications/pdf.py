"""Bilingual (Hindi and English) certificate PDFs for issued applications, and payment receipts (`receipt_pdf`, A5).

`certificate_pdf` returns the bytes of an A4 certificate: the Government of NCT of Delhi header, the department and
title in both languages, a table of particulars, and a QR code pointing at the public verify page. Devanagari is
shaped by HarfBuzz (fpdf2's text shaping), so conjuncts, reph and the pre-base matra ि come out right; the fonts are
Noto Sans and Noto Sans Devanagari, committed under `fonts/` so a fresh machine needs nothing.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode, XPos, YPos

from apps.core.formatting import datetime_display

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
LATIN = "NotoSans"
DEVANAGARI = "NotoSansDevanagari"
_DEVANAGARI_RE = re.compile("[\u0900-\u097f\ua8e0-\ua8ff]")

Colour = tuple[int, int, int]
NAVY = (31, 58, 95)
SAFFRON = (255, 153, 51)
GREEN = (19, 136, 8)
GREY = (90, 90, 90)
PALE = (242, 244, 248)

PAGE_MARGIN = 16  # mm; the double border sits inside this, at 7 and 8.5 mm
QR_SIZE = 35  # mm
CLOSING_HEIGHT = QR_SIZE + 14  # mm for the signature and QR block, before the footer text; it never splits


@dataclass(frozen=True)
class CertificateLine:
    """One particular on a certificate: a label in English and Hindi, and its value in either script."""

    label_en: str
    label_hi: str
    value: str


def font_family(text: str) -> str:
    """The primary font for `text`: Devanagari if it holds any Devanagari, else Latin.

    The other family stays as a fallback for the odd character. Choosing the primary by script keeps a whole
    Devanagari word, with any ZWJ/ZWNJ inside it, in one font run, which HarfBuzz needs to form conjuncts.
    """
    return DEVANAGARI if _DEVANAGARI_RE.search(text) else LATIN


class _CertificateDocument(FPDF):
    """FPDF with the Noto fonts loaded, a double page border, and a running footer on every page."""

    def __init__(
        self, *, shaping: bool = True, page_format: str | tuple[float, float] = "A4", margin: float = PAGE_MARGIN
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format=page_format)
        for family in (LATIN, DEVANAGARI):
            self.add_font(family, "", FONTS_DIR / f"{family}-Regular.ttf")
            self.add_font(family, "B", FONTS_DIR / f"{family}-Bold.ttf")
        self.set_fallback_fonts([LATIN, DEVANAGARI])
        if shaping:
            self.set_text_shaping(True)
        self.set_margins(margin, margin + 4, margin)
        self.set_auto_page_break(True, margin=margin + 8)
        self.running_title = ""
        self.certificate_number = ""

    def text_style(self, text: str, size: float, *, bold: bool = False, color: Colour = (0, 0, 0)) -> None:
        """Select the font for `text`'s script, at `size` points."""
        self.set_font(font_family(text), "B" if bold else "", size)
        self.set_text_color(*color)

    def line_of(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color: Colour = (0, 0, 0),
        align: str = "C",
        h: float | None = None,
    ) -> None:
        """One wrapped paragraph across the full content width; `h` is the line height in mm."""
        self.text_style(text, size, bold=bold, color=color)
        self.multi_cell(0, h or size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def header(self) -> None:
        self.set_draw_color(*NAVY)
        self.set_line_width(0.8)
        self.rect(7, 7, self.w - 14, self.h - 14)
        self.set_line_width(0.2)
        self.rect(8.5, 8.5, self.w - 17, self.h - 17)
        if self.page_no() > 1:
            self.set_y(12)
            self.line_of(self.running_title, 8, color=GREY, align="R")
            self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-self.l_margin - 3)
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1)
        top, page = self.get_y(), self.page_no()
        self.line_of(self.certificate_number, 7.5, color=GREY, align="L")
        self.set_y(top)
        self.line_of(f"पृष्ठ / Page {page} of {{nb}}", 7.5, color=GREY, align="R")


def certificate_pdf(
    *,
    title_en: str,
    title_hi: str,
    department_en: str,
    department_hi: str,
    reference: str,
    certificate_number: str,
    issued_on: datetime.date,
    lines: list[CertificateLine],
    verify_url: str,
    signed_by: str,
    footer_en: str = "",
    footer_hi: str = "",
    shaping: bool = True,
) -> bytes:
    """Render a bilingual A4 certificate and return the PDF bytes.

    Each `CertificateLine` becomes a row of the particulars table, with its label in Hindi and English; values may
    be Devanagari or Latin. Long values wrap, and many lines flow onto further pages with the table heading
    repeated; the signature and QR block is kept whole on the last page. The QR code encodes `verify_url`.
    The output is deterministic: the PDF's creation date is `issued_on`, and no clock time is printed.
    `shaping=False` exists only so tests can show what HarfBuzz shaping changes.
    """
    pdf = _new_document(shaping=shaping)
    pdf.set_title(f"{title_en} {certificate_number}")
    pdf.set_subject(f"{title_hi} / {title_en}")
    pdf.set_author(f"{department_en}, Government of NCT of Delhi")
    pdf.set_keywords(f"{certificate_number} {reference}")
    pdf.set_creator("govchat")
    pdf.set_producer("govchat")
    pdf.set_creation_date(datetime.datetime.combine(issued_on, datetime.time(), tzinfo=datetime.UTC))
    pdf.certificate_number = certificate_number
    pdf.running_title = f"{title_en} · प्रमाण पत्र संख्या / Certificate No. {certificate_number} · (continued)"
    pdf.add_page()

    _draw_header(pdf, department_en=department_en, department_hi=department_hi)
    _draw_title(pdf, title_en=title_en, title_hi=title_hi)
    _draw_identifiers(pdf, certificate_number=certificate_number, reference=reference, issued_on=issued_on)
    if lines:
        _draw_particulars(pdf, lines)
    _draw_closing(pdf, verify_url=verify_url, signed_by=signed_by, footer_en=footer_en, footer_hi=footer_hi)
    return bytes(pdf.output())


def _new_document(*, shaping: bool = True) -> _CertificateDocument:
    """A blank certificate document with the fonts loaded; tests use it to render single words."""
    return _CertificateDocument(shaping=shaping)


def _draw_header(pdf: _CertificateDocument, *, department_en: str, department_hi: str) -> None:
    top, left, width = 10, 10, pdf.w - 20
    pdf.set_fill_color(*NAVY)
    pdf.rect(left, top, width, 33, style="F")
    pdf.set_fill_color(*SAFFRON)
    pdf.rect(left, top + 33, width, 1.4, style="F")
    pdf.set_fill_color(*GREEN)
    pdf.rect(left, top + 35.2, width, 1.4, style="F")

    white = (255, 255, 255)
    pdf.set_y(top + 3.5)
    pdf.line_of("राष्ट्रीय राजधानी क्षेत्र दिल्ली सरकार", 15, bold=True, color=white, h=7.5)
    pdf.line_of("Government of National Capital Territory of Delhi", 12, bold=True, color=white, h=6.5)
    pdf.ln(1.5)
    pdf.line_of(department_hi, 10.5, color=white, h=5.5)
    pdf.line_of(department_en, 10, color=white, h=5)
    pdf.set_y(max(pdf.get_y(), top + 37) + 5)


def _draw_title(pdf: _CertificateDocument, *, title_en: str, title_hi: str) -> None:
    pdf.line_of(title_hi, 20, bold=True, color=NAVY, h=10)
    pdf.line_of(title_en.upper(), 14, bold=True, color=NAVY, h=7.5)
    pdf.ln(3)


def _draw_identifiers(
    pdf: _CertificateDocument, *, certificate_number: str, reference: str, issued_on: datetime.date
) -> None:
    fields = (
        ("प्रमाण पत्र संख्या", "Certificate No.", certificate_number),
        ("आवेदन संदर्भ", "Application reference", reference),
        ("जारी करने की तिथि", "Date of issue", issued_on.strftime("%d-%m-%Y")),
    )
    top, width = pdf.get_y(), pdf.epw / len(fields)
    pdf.set_fill_color(*PALE)
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, 19, style="DF")
    for index, (label_hi, label_en, value) in enumerate(fields):
        x = pdf.l_margin + index * width
        pdf.set_xy(x, top + 1.8)
        pdf.text_style(label_hi, 8.5, color=GREY)
        pdf.cell(width, 4.6, label_hi, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.text_style(label_en, 7.5, color=GREY)
        pdf.cell(width, 4, label_en, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.text_style(value, 11, bold=True)
        pdf.multi_cell(width, 6, value, align="C", max_line_height=6)
        if index:
            pdf.line(x, top + 2, x, top + 17)
    pdf.set_xy(pdf.l_margin, top + 19 + 5)
    pdf.line_of("प्रमाणित किया जाता है कि निम्नलिखित विवरण विभाग के अभिलेखों के अनुसार हैं।", 10, color=(40, 40, 40), align="L")
    pdf.line_of("Certified that the following particulars are as per the records of the department.", 9.5, align="L")
    pdf.ln(3)


def _draw_particulars(pdf: _CertificateDocument, lines: list[CertificateLine]) -> None:
    label_style = FontFace(family=DEVANAGARI, size_pt=9.5, color=(45, 45, 45))
    value_latin = FontFace(family=LATIN, emphasis="BOLD", size_pt=10.5)
    value_devanagari = FontFace(family=DEVANAGARI, emphasis="BOLD", size_pt=11)
    heading = FontFace(family=DEVANAGARI, emphasis="BOLD", size_pt=9.5, color=(255, 255, 255), fill_color=NAVY)
    pdf.set_draw_color(170, 178, 190)
    pdf.set_line_width(0.2)
    pdf.set_font(DEVANAGARI, "", 10)
    with pdf.table(
        col_widths=(44, 56),
        text_align="LEFT",
        v_align="MIDDLE",
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        cell_fill_color=PALE,
        cell_fill_mode=TableCellFillMode.ROWS,
        headings_style=heading,
        line_height=5.2,
        padding=(1.6, 3),
    ) as table:
        head = table.row()
        head.cell("विवरण / Particulars")
        head.cell("प्रविष्टि / Details")
        for line in lines:
            row = table.row()
            row.cell(f"{line.label_hi} / {line.label_en}", style=label_style)
            row.cell(line.value, style=value_devanagari if font_family(line.value) == DEVANAGARI else value_latin)
    pdf.ln(4)


def _draw_closing(
    pdf: _CertificateDocument, *, verify_url: str, signed_by: str, footer_en: str, footer_hi: str
) -> None:
    footer = [text for text in (footer_hi, footer_en) if text]
    pdf.set_font(DEVANAGARI, "", 8.5)
    needed = CLOSING_HEIGHT + sum(pdf.multi_cell(0, 4.4, text, dry_run=True, output="HEIGHT") for text in footer)
    if pdf.will_page_break(needed):
        pdf.add_page()
        top = pdf.get_y() + 6
    else:
        top = max(pdf.get_y(), pdf.h - pdf.b_margin - needed)
    qr_x = pdf.w - PAGE_MARGIN - QR_SIZE
    _draw_qr(pdf, verify_url, x=qr_x, y=top)

    text_width = qr_x - PAGE_MARGIN - 8
    pdf.set_xy(PAGE_MARGIN, top + 2)
    for text, size, bold in (
        (f"डिजिटल रूप से जारीकर्ता: {signed_by}", 10.5, True),
        (f"Digitally issued by {signed_by}", 10, True),
    ):
        pdf.text_style(text, size, bold=bold, color=NAVY)
        pdf.multi_cell(text_width, size * 0.52, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2.5)
    for text, size in (
        ("यह कंप्यूटर द्वारा जनित प्रमाण पत्र है और इस पर हस्ताक्षर की आवश्यकता नहीं है।", 9),
        ("This is a computer-generated certificate and does not require a signature.", 8.5),
        ("इस प्रमाण पत्र की प्रामाणिकता QR कोड स्कैन करके या नीचे दिए गए पते पर जाँची जा सकती है।", 9),
        ("Its authenticity can be checked by scanning the QR code or visiting the address below.", 8.5),
    ):
        pdf.text_style(text, size, color=(40, 40, 40))
        pdf.multi_cell(text_width, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.text_style(verify_url, 8, color=NAVY)
    pdf.multi_cell(text_width, 4, verify_url, wrapmode="CHAR", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_y(max(pdf.get_y(), top + QR_SIZE + 9) + 4)
    for text in footer:
        pdf.line_of(text, 8.5, color=GREY, h=4.4)


def _draw_qr(pdf: _CertificateDocument, url: str, *, x: float, y: float) -> None:
    png = io.BytesIO()
    # A 2-module quiet zone inside the image; the page around it is white for further millimetres.
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=10, border=2)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=QR_SIZE, h=QR_SIZE)
    pdf.set_xy(x - 6, y + QR_SIZE + 0.5)
    pdf.text_style("सत्यापन के लिए स्कैन करें", 8, color=GREY)
    pdf.cell(QR_SIZE + 12, 4.4, "सत्यापन के लिए स्कैन करें", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.text_style("Scan to verify", 8, color=GREY)
    pdf.cell(QR_SIZE + 12, 4, "Scan to verify", align="C")


# Payment receipts.

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
    pdf = _CertificateDocument(shaping=shaping, page_format=A5, margin=RECEIPT_MARGIN)
    pdf.set_title(f"Payment receipt {number}")
    pdf.set_subject("भुगतान रसीद / Payment receipt")
    pdf.set_author(f"{department_en}, Government of NCT of Delhi")
    pdf.set_keywords(f"{number} {reference} {transaction_id}")
    pdf.set_creator("govchat")
    pdf.set_producer("govchat")
    pdf.set_creation_date(paid_at.astimezone(datetime.UTC))
    pdf.certificate_number = f"{labels['number']} {number}"
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


def _draw_receipt_header(pdf: _CertificateDocument, *, department: str) -> None:
    top, left, width, height = 10, 10, pdf.w - 20, 19
    pdf.set_fill_color(*NAVY)
    pdf.rect(left, top, width, height, style="F")
    pdf.set_fill_color(*SAFFRON)
    pdf.rect(left, top + height, width, 1.1, style="F")
    pdf.set_fill_color(*GREEN)
    pdf.rect(left, top + height + 1.8, width, 1.1, style="F")
    white = (255, 255, 255)
    pdf.set_y(top + 1.6)
    pdf.line_of("राष्ट्रीय राजधानी क्षेत्र दिल्ली सरकार", 11.5, bold=True, color=white, h=5.8)
    pdf.line_of("Government of NCT of Delhi", 9.5, bold=True, color=white, h=4.8)
    pdf.line_of(department, 8.5, color=white, h=4.6)
    pdf.set_y(max(pdf.get_y(), top + height + 3) + 3)


def _draw_receipt_identifiers(pdf: _CertificateDocument, *, labels: dict, number: str, reference: str,
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


def _draw_receipt_details(pdf: _CertificateDocument, details: list[tuple[str, str]]) -> None:
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


def _draw_receipt_breakup(pdf: _CertificateDocument, *, labels: dict, items: list[ReceiptItem], total: str) -> None:
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


def _draw_receipt_closing(pdf: _CertificateDocument, *, labels: dict, verify_url: str) -> None:
    needed = RECEIPT_QR + 6
    if pdf.will_page_break(needed):
        pdf.add_page()
        top = pdf.get_y() + 4
    else:
        top = max(pdf.get_y(), pdf.h - pdf.b_margin - needed)
    qr_x = pdf.w - pdf.r_margin - RECEIPT_QR
    png = io.BytesIO()
    segno.make(verify_url, error="m", micro=False).save(png, kind="png", scale=10, border=2)
    png.seek(0)
    pdf.image(png, x=qr_x, y=top, w=RECEIPT_QR, h=RECEIPT_QR)
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
