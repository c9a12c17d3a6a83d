"""Meta's webhook: a plain Django view, outside DRF, so that `govchat/wsgi.py` can serve it with only
the middleware it needs (see docs/decisions.md); the test client reaches it through the URLconf."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .services import MalformedWebhook, webhook_receive, webhook_signature_valid, webhook_verify_token_valid


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain")


@csrf_exempt
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    """The GET handshake, and signed POSTs that are stored and acknowledged at once.

    Anything validly signed gets 200, even when we do not understand it: any other answer makes Meta
    retry for 7 days. Only a body over the size cap (413), a missing (401) or wrong (403) signature, or a
    body that is not JSON (400), is refused, and then nothing is stored.
    """
    if request.method == "POST":
        return _receive(request)
    if request.method in ("GET", "HEAD"):
        params = request.GET
        if params.get("hub.mode") == "subscribe" and webhook_verify_token_valid(
            token=params.get("hub.verify_token", "")
        ):
            return _text(params.get("hub.challenge", ""))
        return _text("Forbidden", 403)
    response = _text("Method not allowed", 405)
    response["Allow"] = "GET, HEAD, POST"
    return response


def _receive(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _text("Bad Content-Length", 400)
    # Meta's payloads are at most 3 MB; refused before a byte is read, so a large body costs nothing.
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return _text("Too large", 413)
    header = request.META.get("HTTP_X_HUB_SIGNATURE_256", "")
    if not header:
        return _text("Missing signature", 401)
    body = request.body  # the raw bytes: the signature is over them, before any parsing
    if not webhook_signature_valid(body=body, header=header):
        return _text("Bad signature", 403)
    try:
        webhook_receive(body=body)
    except MalformedWebhook as exc:
        return _text(exc.message, 400)
    return _text("OK")
