"""The sandbox gateway's hosted checkout page (/pay/<order_id>/): what the citizen opens from WhatsApp.

Small and bilingual for cheap phones: inline CSS, no scripts, no outside assets (CSS-only tabs). It shows
what is paid and asks for pay or fail; card details never leave the phone (those fields have no name, so
the form posts only the method). What a tap does is `gateways.sandbox.checkout_complete`.
"""

from __future__ import annotations

import logging
import re
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from apps.core.formatting import rupees

from .gateways import sandbox
from .models import Payment, SandboxOrder

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "hi")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"  # noqa: E501
BANKS = ["State Bank of India", "HDFC Bank", "ICICI Bank", "Punjab National Bank", "Axis Bank", "Bank of Baroda",
         "Kotak Mahindra Bank", "Canara Bank", "Union Bank of India", "Indian Bank", "Bank of India",
         "IDBI Bank", "Yes Bank", "Delhi State Co-operative Bank"]  # fmt: skip


def _public(view):
    """Never cached, indexed or framed, and its address never leaks to another site through the Referer header
    (same-origin, not no-referrer: with no-referrer the browser posts the form with `Origin: null`, which
    Django's CSRF check refuses)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return never_cache(wrapped)


def _language(request: HttpRequest) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang")
    if chosen in LANGUAGES:
        return chosen
    language = (translation.get_language_from_request(request) or "en")[:2]
    return language if language in LANGUAGES else "en"


def _order(order_id: str) -> SandboxOrder | None:
    if not sandbox.ORDER_ID_RE.fullmatch(order_id):
        return None
    return SandboxOrder.objects.filter(order_id=order_id).first()


@_public
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def checkout_page(request: HttpRequest, order_id: str) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        order = _order(order_id)
        if order is None:
            response = render(request, "payments/checkout_unknown.html", _context(language), status=404)
        elif request.method == "POST":
            response = _tap(request, order, language)
        else:
            response = _show(request, order, language)
    response.headers["Content-Language"] = language
    return response


def _tap(request: HttpRequest, order: SandboxOrder, language: str) -> HttpResponse:
    method = request.POST.get("method", "")
    paid = request.POST.get("outcome") != "failed"
    errors = {}
    if method not in sandbox.METHODS:
        errors["method"] = True
    elif paid and method == "upi" and not sandbox.UPI_ID_RE.fullmatch(request.POST.get("vpa", "").strip()):
        errors["vpa"] = True
    if errors:
        return _show(request, order, language, errors=errors, status=400)
    try:
        sandbox.checkout_complete(order_id=order.order_id, paid=paid, method=method)
    except SandboxOrder.DoesNotExist:
        return render(request, "payments/checkout_unknown.html", _context(language), status=404)
    url = reverse("checkout:page", args=[order.order_id]) + "?" + urlencode({"lang": language})
    return HttpResponseRedirect(url, status=303)


def _show(request, order: SandboxOrder, language: str, *, errors=None, status: int = 200) -> HttpResponse:
    lines = order.description.split("\n", 1)
    english, hindi = lines[0], lines[-1]
    expired = order.state == SandboxOrder.State.EXPIRED or (
        order.state == SandboxOrder.State.CREATED and order.expires_at <= timezone.now()
    )
    context = _context(language) | {
        "order": order,
        "open": sandbox.order_open(order),
        "expired": expired,
        "amount": rupees(order.amount_paise),
        "what": hindi if language == "hi" else english,
        "what_other": "" if english == hindi else (english if language == "hi" else hindi),
        "expires_at": timezone.localtime(order.expires_at),
        "banks": BANKS,
        "errors": errors or {},
        "vpa": request.POST.get("vpa", "") if request.method == "POST" else "",
        "method": request.POST.get("method", "upi") if request.method == "POST" else "upi",
        "whatsapp": _whatsapp(order),
    }
    return render(request, "payments/checkout.html", context, status=status)


def _context(language: str) -> dict:
    return {"language": language, "other": "hi" if language == "en" else "en"}


def _whatsapp(order: SandboxOrder) -> str:
    """https://wa.me/<digits> of the number the citizen was chatting with, when the payment is ours."""
    payment = (
        Payment.objects.select_related("conversation__number")
        .filter(provider="sandbox", gateway_order_id=order.order_id)
        .first()
    )
    if payment is None:
        return ""
    digits = re.sub(r"\D", "", payment.conversation.number.display_number or "")
    return f"https://wa.me/{digits}" if digits else ""
