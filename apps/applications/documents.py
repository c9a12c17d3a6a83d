"""Checks on a document a citizen uploads for an application, before it is kept.

``document_check`` looks at the bytes only (never the file name or the declared MIME type), in this order:
empty, the document's size cap, the type, then images (opened and fully decoded by Pillow, large enough to read,
not blank) or PDFs (opened by pypdf, not password-protected, not truncated, with pages, not too many), and last
the malware scan (``scanner.scan``). The first failure raises ``DocumentRejected``, whose ``message`` is a lazy
translation telling the citizen, in the language active when it is rendered, what is wrong and what to send.

Thresholds and why:

* Images under ``MIN_IMAGE_PIXELS`` (200 x 200) or with a side under ``MIN_IMAGE_SIDE`` (100 px) cannot be read by
  an officer; a thumbnail or an icon, not a document. A narrow signature strip (e.g. 400 x 120) still passes.
* Images over ``MAX_IMAGE_PIXELS`` (64 megapixels) are refused before decoding: a full decode costs 3 bytes a
  pixel, and 64 MP covers the full-resolution mode of 48 and 50 MP phone cameras. Pillow's own
  decompression-bomb guard is caught too. (The limit is checked here, not set on Pillow's process-wide
  ``Image.MAX_IMAGE_PIXELS``, so other Pillow users are not affected.)
* Blank: a global brightness spread cannot tell a faint one-line document (spread about 1 grey level on a
  thumbnail) from a noisy photo of a dark pocket (about 1.5), so the test is local detail instead. On a
  greyscale thumbnail (512 px on its longer side) each pixel is compared with a blurred copy (Gaussian, radius
  4): pixels that differ by at least ``BLANK_DETAIL_LEVELS`` grey levels (8), or by 4 times the noise estimated
  from the median difference if that is more, are detail: strokes of text, lines, stamps. An image is blank
  when under ``BLANK_DETAIL_FRACTION`` (0.02 %) of its pixels are detail. Measured on generated pages saved as
  JPEG: a page of black text about 30 %, one line of text 1 %, a signature alone 1 %, one line of faint grey
  text on grey paper 0.23 %, faint text under heavy camera noise 0.07 %; a white sheet, near-black or white
  with camera noise (up to sigma 20) and a lighting gradient all 0.01 % or less. The cut-off sits more than
  ten times below an ordinary faint document, so a real scan is not refused.
* PDFs: any encryption is refused, even with an empty user password that viewers open without asking,
  because officers' tools and previews need a plain file. A file whose ``%%EOF`` is not in its last 1024 bytes
  is truncated (partly sent); pypdf would often recover its first pages silently. Over ``MAX_PDF_PAGES`` (50)
  pages is not one document.
"""

import hashlib
import logging
import math
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageChops, ImageFilter
from pypdf import PdfReader

from apps.whatsapp.media import sniff

from . import scanner

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MIN_IMAGE_PIXELS = 200 * 200
MIN_IMAGE_SIDE = 100
MAX_IMAGE_PIXELS = 64_000_000
BLANK_THUMBNAIL_SIDE = 512
BLANK_BLUR_RADIUS = 4
BLANK_DETAIL_LEVELS = 8
BLANK_NOISE_FACTOR = 4
BLANK_DETAIL_FRACTION = 0.0002
BLANK_BUSY_FRACTION = 0.02
MAX_PDF_PAGES = 50
PDF_EOF_WINDOW = 1024

#: The kinds a RequiredDocument can accept, as sniffed, and the Pillow formats that may open each image kind.
KINDS = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
PILLOW_FORMATS = {"jpg": ["JPEG"], "png": ["PNG"]}

# Citizen-facing messages (rendered in the citizen's language by whoever sends them).
EMPTY_FILE = _("This file is empty. Please send the document again.")
TOO_BIG = _(
    "This file is %(size)s MB; the limit for this document is %(limit)s MB. Please send a smaller file: %(accepted)s."
)
WRONG_TYPE = _("This kind of file cannot be used. For this document, please send %(accepted)s.")
A_PHOTO = _("a photo (%(formats)s)")
A_PDF = _("a PDF")
EITHER = _("%(first)s or %(last)s")
IMAGE_UNREADABLE = _(
    "We could not open this photo; it may be damaged or only partly sent. Please take the photo again and send it."
)
IMAGE_TOO_LARGE = _("This photo is too large to open. Please take it again at the camera's normal setting and send it.")
IMAGE_TOO_SMALL = _(
    "This photo is too small to read (%(width)s × %(height)s pixels). "
    "Please send a clear, full-size photo of the whole document."
)
IMAGE_BLANK = _(
    "This photo looks blank: we cannot see a document in it. "
    "Please place the document in good light, photograph the whole page and send it again."
)
PDF_ENCRYPTED = _(
    "This PDF is protected with a password. Please send it without a password, "
    "for example by saving or printing it again as a new PDF."
)
PDF_BROKEN = _("We could not open this PDF; it may be damaged or only partly sent. Please send it again.")
PDF_EMPTY = _("This PDF has no pages. Please send the PDF of your document again.")
PDF_TOO_MANY_PAGES = _(
    "This PDF has %(pages)s pages; at most %(limit)s pages can be sent for one document. "
    "Please send only the pages that are needed."
)
INFECTED = _(
    "This file did not pass our safety check, so it cannot be used. "
    "Please make a new photo or scan of the document and send that."
)
SCANNER_UNAVAILABLE = _("We could not check your file just now. Please send it again in a few minutes.")


@dataclass(frozen=True)
class CheckedFile:
    """What document_check learnt about an accepted file."""

    kind: str  # "pdf" | "jpg" | "png"
    content_type: str  # "application/pdf" | "image/jpeg" | "image/png"
    size: int  # bytes
    sha256: str  # hex digest
    pages: int = 1  # a PDF's page count; 1 for images
    width: int = 0  # images only, in pixels as stored (before any EXIF rotation)
    height: int = 0


class DocumentRejected(Exception):
    """A file that cannot be accepted. ``reason`` is a short code for logs and branching; ``message`` is a lazy
    translation for the citizen, rendered in the language active when it is turned into a string."""

    def __init__(self, reason: str, message: str | Promise) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _fill_now(message: str | Promise, params: dict) -> str:
    return str(message) % {key: str(value) if isinstance(value, Promise) else value for key, value in params.items()}


# `gettext_lazy(...) % params` would translate at once, in whatever language is active where the check runs;
# this keeps the translation for when the message is rendered.
_fill = lazy(_fill_now, str)


def _either_now(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return str(EITHER) % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _accepted_now(kinds: tuple[str, ...]) -> str:
    photos = [label for kind, label in (("jpg", "JPG"), ("png", "PNG")) if kind in kinds]
    parts = [str(A_PHOTO) % {"formats": _either_now(photos)}] if photos else []
    if "pdf" in kinds:
        parts.append(str(A_PDF))
    return _either_now(parts)


_accepted = lazy(_accepted_now, str)


def _reject(reason: str, message: str | Promise, **params: object) -> DocumentRejected:
    return DocumentRejected(reason, _fill(message, params) if params else message)


def document_check(*, content: bytes, accepted_types: list[str], max_size_mb: int) -> CheckedFile:
    """Check an uploaded file against a required document's accepted types and size cap; raise
    DocumentRejected with the first problem found, or return what was learnt about the file.

    ``accepted_types`` holds "pdf", "jpg" and/or "png" (RequiredDocument.accepted_types); an empty list, which
    RequiredDocument.clean refuses, is read as all three rather than refusing every file.
    """
    kinds = tuple(kind for kind in KINDS if kind in {str(item).lower() for item in accepted_types}) or tuple(KINDS)
    accepted = _accepted(kinds)
    size = len(content)
    if not size:
        raise _reject("empty_file", EMPTY_FILE)
    if size > max_size_mb * MB:
        shown = f"{math.ceil(size * 10 / MB) / 10:.1f}"  # rounded up, so it never shows as the limit itself
        raise _reject("too_big", TOO_BIG, size=shown, limit=max_size_mb, accepted=accepted)
    _mime, kind = sniff(content)  # "pdf", "jpg", "png", or something no document accepts
    if kind not in kinds:
        raise _reject("wrong_type", WRONG_TYPE, accepted=accepted)
    pages, width, height = 1, 0, 0
    if kind == "pdf":
        pages = _pdf_check(content)
    else:
        width, height = _image_check(content, kind=kind)
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        result = scanner.scan(content)
    except scanner.ScannerUnavailable as error:
        raise _reject("scanner_unavailable", SCANNER_UNAVAILABLE) from error
    if not result.clean:
        logger.warning("Malware in an uploaded %s (%d bytes, sha256 %s): %s", kind, size, sha256, result.signature)
        raise _reject("infected", INFECTED)
    return CheckedFile(
        kind=kind, content_type=KINDS[kind], size=size, sha256=sha256, pages=pages, width=width, height=height
    )


def _image_check(content: bytes, *, kind: str) -> tuple[int, int]:
    """Open and fully decode the image; refuse it if unreadable, huge, too small or blank. Returns its size."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice that; a warning is a refusal here. (Not thread-safe
            # on Python 3.11: at worst another thread's filter change is lost while this runs.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(content), formats=PILLOW_FORMATS[kind])
        with image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _reject("image_unreadable", IMAGE_TOO_LARGE)
            image.load()  # decodes everything: a truncated or corrupt file fails here
            if width * height < MIN_IMAGE_PIXELS or min(width, height) < MIN_IMAGE_SIDE:
                raise _reject("image_too_small", IMAGE_TOO_SMALL, width=width, height=height)
            blank = _looks_blank(image)
    except DocumentRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _reject("image_unreadable", IMAGE_TOO_LARGE) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports corrupt and truncated data with these (UnidentifiedImageError is an OSError).
        raise _reject("image_unreadable", IMAGE_UNREADABLE) from None
    if blank:
        raise _reject("image_blank", IMAGE_BLANK)
    return width, height


def _looks_blank(image: Image.Image) -> bool:
    """True when almost no pixel of a greyscale thumbnail stands out from its neighbourhood (see the module
    docstring for the measurements behind the thresholds)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels are often black underneath; a PNG of black text on transparency is not blank.
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    grey = image.convert("L")
    grey.thumbnail((BLANK_THUMBNAIL_SIDE, BLANK_THUMBNAIL_SIDE))
    histogram = ImageChops.difference(grey, grey.filter(ImageFilter.GaussianBlur(BLANK_BLUR_RADIUS))).histogram()
    total = sum(histogram)
    # A busy page (dense text, a form full of boxes) moves the median below as much as noise does; but
    # noise, even a dark phone photo's, almost never makes many pixels stand out by twice the bar.
    if sum(histogram[2 * BLANK_DETAIL_LEVELS :]) >= BLANK_BUSY_FRACTION * total:
        return False
    # The median difference estimates the noise (sigma ~ 1.4826 x median absolute deviation), interpolated
    # within its grey level: whole levels are too coarse for the faint noise of a thumbnail.
    running, median = 0, 0.0
    for level, count in enumerate(histogram):
        if count and (running + count) * 2 >= total:
            median = max(0.0, level - 0.5 + (total / 2 - running) / count)
            break
        running += count
    threshold = max(BLANK_DETAIL_LEVELS, math.ceil(BLANK_NOISE_FACTOR * 1.4826 * median))
    return sum(histogram[threshold:]) < BLANK_DETAIL_FRACTION * total


def _pdf_check(content: bytes) -> int:
    """Open the PDF; refuse it if truncated, broken, encrypted, empty or too long. Returns its page count."""
    if b"%%EOF" not in content[-PDF_EOF_WINDOW:]:
        raise _reject("pdf_broken", PDF_BROKEN)
    try:
        reader = PdfReader(BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _reject("pdf_encrypted", PDF_ENCRYPTED)
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise _reject("pdf_too_many_pages", PDF_TOO_MANY_PAGES, pages=pages, limit=MAX_PDF_PAGES)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - resolves each page object, which pypdf reads lazily
    except DocumentRejected:
        raise
    except Exception:  # pypdf raises many kinds of error on malformed files (PdfReadError, KeyError, ...)
        raise _reject("pdf_broken", PDF_BROKEN) from None
    if not pages:
        raise _reject("pdf_empty", PDF_EMPTY)
    return pages
