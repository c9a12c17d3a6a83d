"""The base of every PDF govchat issues (certificates, receipts): the Noto fonts, HarfBuzz shaping, the page
border and running footer, the tricolour header band and the QR code.

Devanagari is shaped by HarfBuzz (fpdf2's text shaping), so conjuncts, reph and the pre-base matra ि come out
right; the fonts are Noto Sans and Noto Sans Devanagari, committed under `fonts/` so a fresh machine needs
nothing. What a document says, and where, is drawn by the app that issues it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

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
WHITE = (255, 255, 255)

PAGE_MARGIN = 16  # mm; the double border sits inside this, at 7 and 8.5 mm


def font_family(text: str) -> str:
    """The primary font for `text`: Devanagari if it holds any Devanagari, else Latin.

    The other family stays as a fallback for the odd character. Choosing the primary by script keeps a whole
    Devanagari word, with any ZWJ/ZWNJ inside it, in one font run, which HarfBuzz needs to form conjuncts.
    """
    return DEVANAGARI if _DEVANAGARI_RE.search(text) else LATIN


class DocumentPDF(FPDF):
    """FPDF with the Noto fonts loaded, a double page border, and a running footer on every page.

    `footer_text` is printed bottom left on every page (the certificate or receipt number), `running_title`
    at the top of every page after the first. `shaping=False` exists only so tests can show what HarfBuzz
    shaping changes.
    """

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
        self.footer_text = ""

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
        self.line_of(self.footer_text, 7.5, color=GREY, align="L")
        self.set_y(top)
        self.line_of(f"पृष्ठ / Page {page} of {{nb}}", 7.5, color=GREY, align="R")


def band_draw(pdf: DocumentPDF, *, top: float, height: float, stripe: float, step: float) -> None:
    """The navy header band across the page with its saffron and green stripes below (`step` mm apart)."""
    left, width = 10, pdf.w - 20
    pdf.set_fill_color(*NAVY)
    pdf.rect(left, top, width, height, style="F")
    pdf.set_fill_color(*SAFFRON)
    pdf.rect(left, top + height, width, stripe, style="F")
    pdf.set_fill_color(*GREEN)
    pdf.rect(left, top + height + step, width, stripe, style="F")


def qr_draw(pdf: DocumentPDF, url: str, *, x: float, y: float, size: float) -> None:
    """A QR code of `url`, `size` mm square, with its top left corner at (x, y)."""
    png = io.BytesIO()
    # A 2-module quiet zone inside the image; the page around it is white for further millimetres.
    segno.make(url, error="m", micro=False).save(png, kind="png", scale=10, border=2)
    png.seek(0)
    pdf.image(png, x=x, y=y, w=size, h=size)
