"""The public addresses of a document's verify page and PDF: what its QR code holds, and what WhatsApp is
given to fetch the PDF from (so `SITE_URL` must be the address Meta can reach)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def verify_url(*, token: str) -> str:
    """The public page a document's QR code points at."""
    return settings.SITE_URL.rstrip("/") + reverse("documents:verify", args=[token])


def verify_pdf_url(*, token: str, pdf_name: str) -> str:
    """The public address of the document's PDF (`certificate` or `receipt`)."""
    return settings.SITE_URL.rstrip("/") + reverse("documents:verify_pdf", args=[token, pdf_name])
