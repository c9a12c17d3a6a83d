"""The public verify page of a certificate or a payment receipt (what its QR code opens) and its PDF: no login,
nothing more than what the document prints (a receipt's payer is not shown at all)."""

from __future__ import annotations

import re
from functools import wraps

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.formatting import date_display, datetime_display

from .models import Certificate

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


def _certificate(token: str) -> Certificate | None:
    if not TOKEN_RE.fullmatch(token):
        return None
    return Certificate.objects.select_related("application__service__department").filter(token=token).first()


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang")
    if chosen in LANGUAGES:
        return chosen
    language = translation.get_language_from_request(request)[:2]
    return language if language in LANGUAGES else "en"


def _receipt(token: str):
    from apps.payments.models import Receipt

    if not TOKEN_RE.fullmatch(token):
        return None
    return Receipt.objects.select_related("payment").filter(token=token).first()


@_public
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    certificate = _certificate(token)
    if certificate is None:
        receipt = _receipt(token)
        if receipt is not None:
            return _receipt_page(request, receipt)
    return _page(request, certificate)


@_public
def certificate_unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _page(request, None)


def _page(request: HttpRequest, certificate: Certificate | None, status: int = 200) -> HttpResponse:
    """The verify page in the chosen language (the other linked), or the bilingual 404 for an unknown code."""
    language = _language(request)
    context = {"language": language, "other": "hi" if language == "en" else "en"}
    with translation.override(language):
        if certificate is None:
            return render(request, "applications/verify_unknown.html", context, status=404)
        service = certificate.application.service
        revoked = certificate.revoked_at and timezone.localdate(certificate.revoked_at)
        context |= {
            "certificate": certificate,
            # Our own month names: Django's Hindi catalogue misspells some (नवमबर for नवंबर).
            "issued_on": date_display(day=certificate.issued_on),
            "revoked_on": revoked and date_display(day=revoked),
            "revoked_on_other": revoked and _in(context["other"], date_display, day=revoked),
            "title": {"en": service.name_en, "hi": service.name_hi or service.name_en},
            "department": {"en": service.department.name_en, "hi": service.department.name_hi},
            "lines": [
                {
                    "label": line["label_hi"] if language == "hi" else line["label_en"],
                    "other_label": line["label_en"] if language == "hi" else line["label_hi"],
                    "value": line["value"],
                }
                for line in certificate.lines
            ],  # fmt: skip
        }
        response = render(request, "applications/verify.html", context, status=status)
    response.headers["Content-Language"] = language
    return response


def _in(language: str, function, **kwargs):
    with translation.override(language):
        return function(**kwargs)


@_public
def certificate_verify_pdf(request: HttpRequest, token: str) -> HttpResponse:
    certificate = _certificate(token)
    if certificate is None or certificate.revoked_at is not None or not certificate.file:
        # A revoked certificate's PDF is not served: its page, saying it is revoked, comes instead.
        return _page(request, certificate, status=404)
    filename = certificate.number.replace("/", "-") + ".pdf"
    return FileResponse(certificate.file.open("rb"), content_type="application/pdf", filename=filename)


def _receipt_page(request: HttpRequest, receipt, status: int = 200) -> HttpResponse:
    """A receipt's verify page: genuine, or refunded (in red), with what the receipt prints but the payer."""
    from apps.payments.models import Payment

    payment = receipt.payment
    language = _language(request)
    other = "hi" if language == "en" else "en"
    refunded = payment.state == Payment.State.REFUNDED and timezone.localdate(payment.closed_at or payment.updated_at)
    with translation.override(language):
        context = {
            "language": language,
            "other": other,
            "receipt": receipt,
            "payment": payment,
            "description": payment.description_hi if language == "hi" else payment.description_en,
            "paid_on": payment.paid_at and datetime_display(moment=payment.paid_at),
            "refunded_on": refunded and date_display(day=refunded),
            "refunded_on_other": refunded and _in(other, date_display, day=refunded),
        }
        response = render(request, "applications/verify_receipt.html", context, status=status)
    response.headers["Content-Language"] = language
    return response


@_public
def receipt_verify_pdf(request: HttpRequest, token: str) -> HttpResponse:
    from apps.payments.models import Payment

    receipt = _receipt(token)
    if receipt is None or not receipt.file:
        return _page(request, None)
    if receipt.payment.state == Payment.State.REFUNDED:
        # A refunded payment's receipt no longer proves a payment: its page, saying so, comes instead.
        return _receipt_page(request, receipt, status=404)
    filename = receipt.number.replace("/", "-") + ".pdf"
    return FileResponse(receipt.file.open("rb"), content_type="application/pdf", filename=filename)
