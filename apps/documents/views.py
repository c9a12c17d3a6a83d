"""The public verify page of any document govchat issues (what its QR code opens) and its PDF: no login,
nothing more than what the document prints. Which document a token is comes from the registry."""

from __future__ import annotations

import re
from functools import wraps

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .registry import Verifiable, verifiable_find

# What `secrets.token_urlsafe(24)` makes (32 characters), with room; anything else is not looked up at all.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
LANGUAGES = ("en", "hi")
# No scripts, no outside assets; styles only inline.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _public(view):
    """Never cached or indexed, and no address leaks to another site through the Referer header."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = CSP
        return response

    return require_safe(never_cache(wrapped))


def _find(token: str) -> Verifiable | None:
    return verifiable_find(token=token) if TOKEN_RE.fullmatch(token) else None


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang")
    if chosen in LANGUAGES:
        return chosen
    language = translation.get_language_from_request(request)[:2]
    return language if language in LANGUAGES else "en"


def _page(request: HttpRequest, document: Verifiable | None, status: int = 200) -> HttpResponse:
    """The document's page in the chosen language (the other linked), or the bilingual 404 for an unknown code."""
    language = _language(request)
    context = {"language": language, "other": "hi" if language == "en" else "en"}
    with translation.override(language):
        if document is None:
            return render(request, "documents/verify_unknown.html", context, status=404)
        context |= document.context(language, context["other"])
        response = render(request, document.template, context, status=status)
    response.headers["Content-Language"] = language
    return response


@_public
def document_verify(request: HttpRequest, token: str) -> HttpResponse:
    return _page(request, _find(token))


@_public
def document_unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _page(request, None)


@_public
def document_verify_pdf(request: HttpRequest, token: str, pdf_name: str) -> HttpResponse:
    document = _find(token)
    if document is None or document.pdf_name != pdf_name:
        return _page(request, None)
    if document.withdrawn or not document.file:
        # A revoked certificate's or refunded payment's PDF is not served: its page, saying so, comes instead.
        return _page(request, document, status=404)
    return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=document.filename)
