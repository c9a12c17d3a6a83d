import hashlib
import io
import logging
import re
import socket
import struct
import zipfile
import zlib

import pytest
from django.utils import translation
from django.utils.functional import Promise
from fpdf import FPDF
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat
from pypdf import PdfWriter

from apps.applications import documents
from apps.applications.documents import CheckedFile, DocumentRejected, document_check
from tests.fakes.clamd import EICAR

MB = 1024 * 1024
ALL = ["pdf", "jpg", "png"]
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture(autouse=True)
def _no_scanner_unless_asked(settings):
    """Tests that want the scanner ask for clamd_fake, which sets CLAMD_HOST after this."""
    settings.CLAMD_HOST = ""


# --- Builders: real files, made here ---------------------------------------------------------------------------


def save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def document_image(size=(1240, 1754), *, lines=25, ink=(20, 20, 20), paper=(255, 255, 255), mode="RGB") -> Image.Image:
    """A page of typed lines, like a phone photo or scan of a form."""
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, size[0] // 45))
    text = "Name: Ram Kumar  S/o Shyam Lal  House 12, Janpath, New Delhi 110001"
    for line in range(lines):
        draw.text(
            (size[0] // 12, size[1] // 12 + line * size[1] // 32), text[: 20 + line * 7 % 48], fill=ink, font=font
        )
    return image


def document_photo(**kwargs) -> bytes:
    return save(document_image(**kwargs), "JPEG", quality=80)


def make_pdf(pages: int = 1, *, text: str = "Income certificate") -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"{text}, page {number + 1}")
    return bytes(pdf.output())


def noisy(colour: tuple[int, int, int], size=(1200, 1600), sigma: float = 3) -> Image.Image:
    """A flat colour with camera-like noise: what a photo of nothing looks like."""
    noise = Image.effect_noise(size, sigma)  # centred on 128
    return Image.merge("RGB", [ImageChops.add(Image.new("L", size, value), noise, offset=-128) for value in colour])


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size and holds (almost) no pixels: a decompression bomb's opening."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def rejected(content: bytes, accepted_types=ALL, max_size_mb: int = 5) -> DocumentRejected:
    with pytest.raises(DocumentRejected) as caught:
        document_check(content=content, accepted_types=accepted_types, max_size_mb=max_size_mb)
    return caught.value


def render(error: DocumentRejected, language: str) -> str:
    with translation.override(language):
        return str(error.message)


# --- Accepted ---------------------------------------------------------------------------------------------------


def test_a_photo_of_a_typed_document_is_accepted():
    content = document_photo()

    checked = document_check(content=content, accepted_types=ALL, max_size_mb=5)

    assert checked == CheckedFile(
        kind="jpg",
        content_type="image/jpeg",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        pages=1,
        width=1240,
        height=1754,
    )


def test_a_png_scan_is_accepted():
    checked = document_check(
        content=save(document_image(mode="L", paper=255, ink=0), "PNG"), accepted_types=["png"], max_size_mb=5
    )

    assert (checked.kind, checked.content_type, checked.width) == ("png", "image/png", 1240)


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(document_image(lines=1), id="one line of text"),
        pytest.param(document_image(ink=(185, 185, 185), paper=(225, 225, 225)), id="faded photocopy"),
        pytest.param(document_image(lines=1, ink=(190, 190, 190), paper=(225, 225, 225)), id="one faded line"),
        pytest.param(document_image((3000, 4000), lines=2), id="phone camera, two lines"),
        pytest.param(document_image((400, 120), lines=1), id="a signature strip"),
    ],
)
def test_sparse_or_faint_documents_are_not_taken_for_blank(image):
    assert document_check(content=save(image, "JPEG", quality=75), accepted_types=ALL, max_size_mb=5).kind == "jpg"


def test_black_text_on_a_transparent_png_is_not_blank():
    image = document_image(mode="RGBA", paper=(0, 0, 0, 0), ink=(0, 0, 0, 255))

    assert document_check(content=save(image, "PNG"), accepted_types=ALL, max_size_mb=5).kind == "png"


def test_a_pdf_is_accepted_with_its_page_count():
    content = make_pdf(pages=3)

    checked = document_check(content=content, accepted_types=["pdf"], max_size_mb=5)

    assert (checked.kind, checked.content_type, checked.pages, checked.size) == (
        "pdf",
        "application/pdf",
        3,
        len(content),
    )
    assert (checked.width, checked.height) == (0, 0)


def test_the_type_comes_from_the_bytes_and_an_empty_list_accepts_all_three():
    assert document_check(content=make_pdf(), accepted_types=[], max_size_mb=5).kind == "pdf"
    assert document_check(content=document_photo(), accepted_types=["JPG"], max_size_mb=5).kind == "jpg"


# --- Rejected before the type -------------------------------------------------------------------------------------


def test_an_empty_file():
    error = rejected(b"")

    assert error.reason == "empty_file"
    assert render(error, "en") == "This file is empty. Please send the document again."


def test_too_big_gives_the_size_and_the_limit_in_both_languages():
    content = b"\xff\xd8\xff" + b"\0" * (int(7.15 * MB) - 3)  # checked for size before anything else

    error = rejected(content, max_size_mb=5)

    assert error.reason == "too_big"
    assert render(error, "en") == (
        "This file is 7.2 MB; the limit for this document is 5 MB. "
        "Please send a smaller file: a photo (JPG or PNG) or a PDF."
    )
    hindi = render(error, "hi")
    assert DEVANAGARI.search(hindi) and "7.2 MB" in hindi and "5 MB" in hindi and "JPG या PNG" in hindi


def test_just_over_the_limit_never_shows_as_the_limit():
    error = rejected(b"%PDF-" + b"\0" * (2 * MB), max_size_mb=2)

    assert "2.1 MB" in render(error, "en")


def test_exactly_at_the_limit_is_not_too_big():
    image = document_photo()
    padded = image + b"\0" * (MB - len(image))  # trailing bytes after a JPEG's end are ignored by readers

    assert document_check(content=padded, accepted_types=ALL, max_size_mb=1).size == MB


# --- Wrong type ---------------------------------------------------------------------------------------------------


def _zip(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(save(document_image(), "WEBP"), id="webp"),
        pytest.param(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 500, id="heic"),
        pytest.param(_zip("word/document.xml"), id="docx"),
        pytest.param(_zip("photos/aadhaar.jpg"), id="zip"),
        pytest.param(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff" + b"\0" * 500, id="exe"),
        pytest.param(bytes(range(256)) * 8, id="random bytes"),
        pytest.param(b"Name: Ram Kumar\n", id="text"),
    ],
)
def test_anything_but_a_photo_or_a_pdf_is_the_wrong_type(content):
    error = rejected(content)

    assert error.reason == "wrong_type"
    assert render(error, "en") == (
        "This kind of file cannot be used. For this document, please send a photo (JPG or PNG) or a PDF."
    )
    assert render(error, "hi") == (
        "इस तरह की फ़ाइल नहीं ली जा सकती। इस दस्तावेज़ के लिए कृपया फ़ोटो (JPG या PNG) या PDF फ़ाइल भेजें।"
    )


def test_the_message_lists_only_what_this_document_accepts():
    assert render(rejected(document_photo(), ["pdf"]), "en").endswith("please send a PDF.")
    assert render(rejected(make_pdf(), ["jpg"]), "en").endswith("please send a photo (JPG).")
    assert render(rejected(make_pdf(), ["png", "jpg"]), "en").endswith("please send a photo (JPG or PNG).")
    assert render(rejected(save(document_image(), "PNG"), ["jpg", "pdf"]), "en").endswith(
        "please send a photo (JPG) or a PDF."
    )


# --- Images -------------------------------------------------------------------------------------------------------


def test_a_truncated_jpeg_is_unreadable():
    content = document_photo()

    error = rejected(content[: len(content) * 2 // 3])

    assert error.reason == "image_unreadable"
    assert render(error, "en").startswith("We could not open this photo")


def test_a_jpeg_header_over_garbage_is_unreadable():
    assert rejected(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40).reason == "image_unreadable"


def test_a_png_with_a_damaged_chunk_is_unreadable():
    content = bytearray(save(document_image(), "PNG"))
    content[200:260] = b"\x00" * 60

    assert rejected(bytes(content)).reason == "image_unreadable"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        pytest.param(9_000, 8_000, id="72 MP: over govchat's limit"),
        pytest.param(10_000, 10_000, id="100 MP: Pillow warns"),
        pytest.param(20_000, 20_000, id="400 MP: Pillow refuses"),
    ],
)
def test_decompression_bombs_are_refused_before_decoding(width, height):
    error = rejected(png_header_only(width, height))

    assert error.reason == "image_unreadable"
    assert render(error, "en").startswith("This photo is too large to open.")


def test_a_1x1_png_is_too_small():
    error = rejected(save(Image.new("RGB", (1, 1), "white"), "PNG"))

    assert error.reason == "image_too_small"
    assert "(1 × 1 pixels)" in render(error, "en")
    hindi = render(error, "hi")
    assert DEVANAGARI.search(hindi) and "(1 × 1 पिक्सेल)" in hindi


def test_a_thumbnail_is_too_small():
    error = rejected(document_photo(size=(150, 210), lines=5))

    assert error.reason == "image_too_small"
    assert "150 × 210" in render(error, "hi")


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(Image.new("RGB", (1200, 1600), "white"), id="a white sheet, nothing on it"),
        pytest.param(noisy((245, 245, 240)), id="white with camera noise"),
        pytest.param(noisy((12, 10, 8), sigma=6), id="the inside of a pocket"),
        pytest.param(noisy((40, 38, 35), sigma=12), id="a dim room"),
        pytest.param(Image.linear_gradient("L").resize((1200, 1600)).convert("RGB"), id="only a shadow"),
    ],
)
def test_blank_photos_are_refused(image):
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 1 or image.getextrema() == ((255, 255),) * 3

    error = rejected(save(image, "JPEG", quality=80))

    assert error.reason == "image_blank"
    assert DEVANAGARI.search(render(error, "hi"))


# --- PDFs ---------------------------------------------------------------------------------------------------------


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.encrypt(user_password=user_password, owner_password="officer", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("user_password", ["", "DOB01011990"], ids=["opens without asking", "asks for one"])
def test_any_encrypted_pdf_is_refused(user_password):
    error = rejected(_encrypted(user_password))

    assert error.reason == "pdf_encrypted"
    assert "without a password" in render(error, "en")
    assert "बिना पासवर्ड" in render(error, "hi")


def test_a_truncated_pdf_is_broken():
    content = make_pdf(pages=3)

    error = rejected(content[: len(content) - 200])

    assert error.reason == "pdf_broken"
    assert render(error, "en").startswith("We could not open this PDF")


def test_a_pdf_header_and_end_over_garbage_is_broken():
    assert rejected(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n").reason == "pdf_broken"


def test_a_pdf_without_pages_is_empty():
    out = io.BytesIO()
    PdfWriter().write(out)

    assert rejected(out.getvalue()).reason == "pdf_empty"


def test_too_many_pages_says_how_many_and_the_limit():
    writer = PdfWriter()
    for _ in range(51):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)

    error = rejected(out.getvalue(), max_size_mb=5)

    assert error.reason == "pdf_too_many_pages"
    assert "51 pages" in render(error, "en") and "at most 50 pages" in render(error, "en")
    hindi = render(error, "hi")
    assert DEVANAGARI.search(hindi) and "51" in hindi and "50" in hindi


# --- The malware scan ------------------------------------------------------------------------------------------


def _pdf_with_eicar() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.add_attachment("readme.com", EICAR)  # stored as an uncompressed embedded file
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_valid_pdf_carrying_eicar_is_infected(clamd_fake, caplog):
    content = _pdf_with_eicar()

    with caplog.at_level(logging.WARNING, logger="apps.applications.documents"):
        error = rejected(content)

    assert error.reason == "infected"
    assert clamd_fake.streams == [content]
    assert "Eicar-Test-Signature" in caplog.text and hashlib.sha256(content).hexdigest() in caplog.text
    assert "did not pass our safety check" in render(error, "en")
    assert DEVANAGARI.search(render(error, "hi"))


def test_the_same_pdf_passes_every_other_check():
    assert document_check(content=_pdf_with_eicar(), accepted_types=ALL, max_size_mb=5).pages == 1


def test_a_clean_file_is_scanned_and_accepted(clamd_fake):
    content = make_pdf()

    assert document_check(content=content, accepted_types=ALL, max_size_mb=5).kind == "pdf"
    assert clamd_fake.streams == [content]


def test_a_file_refused_earlier_is_not_sent_to_the_scanner(clamd_fake):
    rejected(save(Image.new("RGB", (1, 1)), "PNG"))

    assert clamd_fake.streams == []


@pytest.mark.parametrize("mode", ["slow", "drop", "garbage", "error"])
def test_a_scanner_without_a_verdict_refuses_the_file(clamd_fake, mode):
    clamd_fake.mode = mode

    error = rejected(document_photo())

    assert error.reason == "scanner_unavailable"
    assert render(error, "en") == "We could not check your file just now. Please send it again in a few minutes."
    assert render(error, "hi") == "हम अभी आपकी फ़ाइल की जाँच नहीं कर पाए। कृपया कुछ मिनट बाद इसे दोबारा भेजें।"


def test_a_scanner_that_is_not_listening_refuses_the_file(settings):
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = "127.0.0.1", port, 0.5

    assert rejected(make_pdf()).reason == "scanner_unavailable"


def test_no_scanner_configured_accepts_without_scanning(clamd_fake, settings):
    settings.CLAMD_HOST = ""

    assert document_check(content=_pdf_with_eicar(), accepted_types=ALL, max_size_mb=5).kind == "pdf"
    assert clamd_fake.streams == []


# --- Messages -----------------------------------------------------------------------------------------------------


def test_the_message_is_translated_when_rendered_not_when_raised():
    with translation.override("en"):
        error = rejected(b"", max_size_mb=5)

    assert isinstance(error.message, Promise)
    assert render(error, "hi") == "यह फ़ाइल ख़ाली है। कृपया दस्तावेज़ दोबारा भेजें।"
    assert str(error) == "empty_file"  # logs get the code, not a language


def test_every_citizen_message_has_hindi():
    constants = {
        name: value for name, value in vars(documents).items() if name.isupper() and isinstance(value, Promise)
    }
    assert len(constants) == 16

    with translation.override("hi"):
        untranslated = [
            name
            for name, value in constants.items()
            if not DEVANAGARI.search(str(value)) and "%(first)s" not in str(value)
        ]
        either = str(documents.EITHER)

    assert untranslated == []
    assert either == "%(first)s या %(last)s"


def test_a_dense_page_full_of_boxes_is_not_taken_for_blank():
    """A form crowded with filled boxes and bold lines: its busy texture must not pass for camera noise."""
    image = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(image)
    for row in range(60, 1150, 40):
        for col in range(60, 820, 90):
            draw.rectangle([col, row, col + 60 + (row * col) % 20, row + 12], fill=(30, 30, 40))
    checked = document_check(content=save(image, "JPEG", quality=85), accepted_types=ALL, max_size_mb=5)
    assert checked.kind == "jpg"
