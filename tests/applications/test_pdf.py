import datetime
import io
import re

import pypdf
import pypdfium2
import pytest
import segno
from PIL import Image, ImageChops, ImageStat

from apps.applications.pdf import CertificateLine, certificate_pdf
from apps.documents.pdf import DEVANAGARI, LATIN, DocumentPDF, font_family

VERIFY_URL = "https://govchat.example.in/verify/7f3K9qLm2XvB8nR4tYw1"

LINES = [
    CertificateLine("Name of the child", "बच्चे का नाम", "आरव शर्मा"),
    CertificateLine("Name (in English)", "नाम (अंग्रेज़ी में)", "Aarav Sharma"),
    CertificateLine("Date of birth", "जन्म तिथि", "14-02-2025"),
    CertificateLine("Name of the father", "पिता का नाम", "श्री क्षितिज श्रीवास्तव"),
    CertificateLine(
        "Permanent address",
        "स्थायी पता",
        "मकान संख्या 42, गली संख्या 3, त्रिलोकपुरी, पूर्वी दिल्ली, दिल्ली - 110091 (किरायेदार: श्री राधेश्याम शुद्ध)",
    ),
]


def make_certificate(**overrides) -> bytes:
    fields = {
        "title_en": "Birth Certificate",
        "title_hi": "जन्म प्रमाण पत्र",
        "department_en": "Department of Health and Family Welfare",
        "department_hi": "स्वास्थ्य एवं परिवार कल्याण विभाग",
        "reference": "APP-2025-000187",
        "certificate_number": "DL/BC/2025/004512",
        "issued_on": datetime.date(2025, 3, 5),
        "lines": LINES,
        "verify_url": VERIFY_URL,
        "signed_by": "Registrar of Births and Deaths, South District",
        "footer_en": "Issued under Section 12 of the Registration of Births and Deaths Act, 1969.",
        "footer_hi": "जन्म और मृत्यु रजिस्ट्रीकरण अधिनियम, 1969 की धारा 12 के अंतर्गत जारी।",
    }
    return certificate_pdf(**{**fields, **overrides})


@pytest.fixture(scope="module")
def certificate() -> bytes:
    return make_certificate()


def render(data: bytes, page: int = 0, dpi: int = 100) -> Image.Image:
    return pypdfium2.PdfDocument(data)[page].render(scale=dpi / 72).to_pil().convert("L")


def dark_fraction(image: Image.Image) -> float:
    histogram = image.point(lambda value: 255 if value < 128 else 0).histogram()
    return histogram[255] / (image.width * image.height)


def to_unicode_entries(data: bytes, *, page: int = 0) -> dict[str, list[str]]:
    """Each embedded font's ToUnicode targets: what text each glyph in its subset stands for."""
    fonts = pypdf.PdfReader(io.BytesIO(data)).pages[page]["/Resources"]["/Font"]
    entries = {}
    for font in fonts.values():
        font = font.get_object()
        cmap = font["/ToUnicode"].get_object().get_data().decode()
        targets = re.findall(r"<[0-9A-F]{4}> <([0-9A-F]+)>", cmap)
        entries[str(font["/BaseFont"])] = [bytes.fromhex(target).decode("utf-16-be") for target in targets]
    return entries


def test_certificate_pdf_is_one_page_with_the_reference_and_english_title(certificate):
    reader = pypdf.PdfReader(io.BytesIO(certificate))

    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "APP-2025-000187" in text
    assert "BIRTH CERTIFICATE" in text.upper()
    assert "DL/BC/2025/004512" in text
    assert "05-03-2025" in text
    assert VERIFY_URL in text
    assert "Digitally issued by Registrar of Births and Deaths" in text


def test_certificate_pdf_sets_the_metadata(certificate):
    metadata = pypdf.PdfReader(io.BytesIO(certificate)).metadata

    assert metadata.title == "Birth Certificate DL/BC/2025/004512"
    assert metadata.creator == "govchat"
    assert metadata.creation_date.date() == datetime.date(2025, 3, 5)


def test_certificate_pdf_is_deterministic(certificate):
    assert make_certificate() == certificate


def test_it_renders_a_page_that_is_not_blank(certificate):
    page = render(certificate)

    assert page.size[0] == 827  # A4 at 100 dpi
    assert 0.05 < dark_fraction(page) < 0.5
    assert ImageStat.Stat(page).stddev[0] > 40


def test_it_draws_a_qr_code_at_the_bottom_right(certificate):
    page = render(certificate)
    mm = 100 / 25.4
    right = page.width - round(16 * mm)  # the QR's right edge sits on the 16 mm margin
    strip = page.crop((right - round(40 * mm), page.height * 2 // 3, right + 5, page.height))

    def dark_box(image):
        return image.point(lambda value: 255 if value < 128 else 0).getbbox()

    top = dark_box(strip)[1]  # the QR is the highest thing in this strip; captions and footers are below it
    side = round(31 * mm)  # 35 mm less the quiet zone
    left, _, right_edge, _ = dark_box(strip.crop((0, top, strip.width, top + side)))
    qr = strip.crop((left, top, left + side, top + side))

    assert abs(right_edge - left - side) <= 3
    assert 0.35 < dark_fraction(qr) < 0.7  # modules, neither a solid block nor blank paper


def test_the_qr_image_encodes_the_verify_url(certificate):
    images = pypdf.PdfReader(io.BytesIO(certificate)).pages[0].images
    assert len(images) == 1
    image = images[0].image.convert("L")
    expected = segno.make(VERIFY_URL, error="m", micro=False).matrix

    modules = len(expected) + 4  # a 2-module quiet zone on each side
    assert image.width == image.height and image.width % modules == 0
    step = image.width // modules
    decoded = [
        [
            image.getpixel(((col + 2) * step + step // 2, (row + 2) * step + step // 2)) < 128
            for col in range(modules - 4)
        ]
        for row in range(modules - 4)
    ]
    assert decoded == [[bool(module) for module in row] for row in expected]


def test_it_embeds_noto_subsets(certificate):
    names = set(to_unicode_entries(certificate))

    assert any(re.fullmatch(r"/[A-Z]{6}\+NotoSansDevanagari", name) for name in names)
    assert any(re.fullmatch(r"/[A-Z]{6}\+NotoSansDevanagariBold", name) for name in names)
    assert any(re.fullmatch(r"/[A-Z]{6}\+NotoSans", name) for name in names)
    assert len(certificate) < 200_000  # subsets, not the 1.5 MB of whole fonts


def test_it_shapes_devanagari_into_conjunct_glyphs(certificate):
    # With HarfBuzz shaping a conjunct is one glyph standing for several code points (क + ् + ष).
    # Unshaped, every glyph is a single code point and क्ष would print as क्‌ष with a visible virama.
    def clusters(data):
        return {
            target for name, targets in to_unicode_entries(data).items() if "Devanagari" in name for target in targets
        }

    shaped, unshaped = clusters(certificate), clusters(make_certificate(shaping=False))

    assert {"क्ष", "त्र", "श्र"} <= shaped
    assert any(len(target) > 1 for target in shaped)
    assert all(len(target) == 1 for target in unshaped)


def test_shaping_changes_what_is_drawn():
    def draw(shaping: bool) -> Image.Image:
        pdf = DocumentPDF(shaping=shaping)
        pdf.add_page()
        pdf.set_font(DEVANAGARI, "B", 40)
        pdf.set_xy(30, 60)
        pdf.cell(text="क्षेत्र किरायेदार")
        return render(bytes(pdf.output()))

    shaped, unshaped = draw(True), draw(False)

    assert dark_fraction(shaped) > 0.005
    assert ImageChops.difference(shaped, unshaped).getbbox() is not None


def test_forty_lines_flow_onto_further_pages():
    lines = [
        CertificateLine(f"Particular {number}", f"विवरण {number}", f"मूल्य {number} / value {number}")
        for number in range(1, 41)
    ]

    data = make_certificate(lines=lines)

    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages >= 2
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        assert "DL/BC/2025/004512" in text
    assert "value 40" in "".join(texts)
    assert "(continued)" in texts[1]
    assert len(reader.pages[-1].images) == 1  # the QR, with the signature block, ends the document
    assert "Digitally issued by" in texts[-1]


def test_long_values_wrap_inside_the_page():
    value = " ".join(["Flat 12B, Pocket 4, Sector 11, Rohini, North West Delhi"] * 4)

    data = make_certificate(lines=[CertificateLine("Address", "पता", value)])

    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert text.count("Pocket 4") == 4  # nothing was cut off at the right margin


def test_it_renders_with_no_lines_and_no_footer():
    data = make_certificate(lines=[], footer_en="", footer_hi="")

    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert "Registration of Births" not in reader.pages[0].extract_text()


def test_font_family_picks_the_font_by_script():
    assert font_family("Aarav Sharma") == LATIN
    assert font_family("आरव शर्मा") == DEVANAGARI
    assert font_family("Ward 12, मयूर विहार") == DEVANAGARI  # Latin letters fall back to Noto Sans
