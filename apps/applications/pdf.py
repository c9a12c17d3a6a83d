"""Bilingual (Hindi and English) A4 certificates for issued applications.

`certificate_pdf` returns the bytes of an A4 certificate: the Government of NCT of Delhi header, the department and
title in both languages, a table of particulars, and a QR code pointing at the public verify page. The fonts,
shaping and the page itself are `apps.documents.pdf`'s.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from fpdf import FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode, XPos, YPos

from apps.documents.pdf import (
    DEVANAGARI,
    GREY,
    LATIN,
    NAVY,
    PAGE_MARGIN,
    PALE,
    WHITE,
    DocumentPDF,
    band_draw,
    font_family,
    qr_draw,
)

QR_SIZE = 35  # mm
CLOSING_HEIGHT = QR_SIZE + 14  # mm for the signature and QR block, before the footer text; it never splits


@dataclass(frozen=True)
class CertificateLine:
    """One particular on a certificate: a label in English and Hindi, and its value in either script."""

    label_en: str
    label_hi: str
    value: str


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
    pdf = DocumentPDF(shaping=shaping)
    pdf.set_title(f"{title_en} {certificate_number}")
    pdf.set_subject(f"{title_hi} / {title_en}")
    pdf.set_author(f"{department_en}, Government of NCT of Delhi")
    pdf.set_keywords(f"{certificate_number} {reference}")
    pdf.set_creator("govchat")
    pdf.set_producer("govchat")
    pdf.set_creation_date(datetime.datetime.combine(issued_on, datetime.time(), tzinfo=datetime.UTC))
    pdf.footer_text = certificate_number
    pdf.running_title = f"{title_en} · प्रमाण पत्र संख्या / Certificate No. {certificate_number} · (continued)"
    pdf.add_page()

    _draw_header(pdf, department_en=department_en, department_hi=department_hi)
    _draw_title(pdf, title_en=title_en, title_hi=title_hi)
    _draw_identifiers(pdf, certificate_number=certificate_number, reference=reference, issued_on=issued_on)
    if lines:
        _draw_particulars(pdf, lines)
    _draw_closing(pdf, verify_url=verify_url, signed_by=signed_by, footer_en=footer_en, footer_hi=footer_hi)
    return bytes(pdf.output())


def _draw_header(pdf: DocumentPDF, *, department_en: str, department_hi: str) -> None:
    top = 10
    band_draw(pdf, top=top, height=33, stripe=1.4, step=2.2)
    pdf.set_y(top + 3.5)
    pdf.line_of("राष्ट्रीय राजधानी क्षेत्र दिल्ली सरकार", 15, bold=True, color=WHITE, h=7.5)
    pdf.line_of("Government of National Capital Territory of Delhi", 12, bold=True, color=WHITE, h=6.5)
    pdf.ln(1.5)
    pdf.line_of(department_hi, 10.5, color=WHITE, h=5.5)
    pdf.line_of(department_en, 10, color=WHITE, h=5)
    pdf.set_y(max(pdf.get_y(), top + 37) + 5)


def _draw_title(pdf: DocumentPDF, *, title_en: str, title_hi: str) -> None:
    pdf.line_of(title_hi, 20, bold=True, color=NAVY, h=10)
    pdf.line_of(title_en.upper(), 14, bold=True, color=NAVY, h=7.5)
    pdf.ln(3)


def _draw_identifiers(pdf: DocumentPDF, *, certificate_number: str, reference: str, issued_on: datetime.date) -> None:
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


def _draw_particulars(pdf: DocumentPDF, lines: list[CertificateLine]) -> None:
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


def _draw_closing(pdf: DocumentPDF, *, verify_url: str, signed_by: str, footer_en: str, footer_hi: str) -> None:
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


def _draw_qr(pdf: DocumentPDF, url: str, *, x: float, y: float) -> None:
    qr_draw(pdf, url, x=x, y=y, size=QR_SIZE)
    pdf.set_xy(x - 6, y + QR_SIZE + 0.5)
    pdf.text_style("सत्यापन के लिए स्कैन करें", 8, color=GREY)
    pdf.cell(QR_SIZE + 12, 4.4, "सत्यापन के लिए स्कैन करें", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.text_style("Scan to verify", 8, color=GREY)
    pdf.cell(QR_SIZE + 12, 4, "Scan to verify", align="C")
