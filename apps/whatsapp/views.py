from django.http import HttpResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .services import MalformedWebhook, webhook_receive, webhook_signature_valid, webhook_verify_token_valid


class NoNegotiation(BaseContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return None  # the body is read raw, never parsed by DRF


class WhatsAppWebhookApi(APIView):
    """Meta's webhook: the GET handshake, and signed POSTs that are stored and acknowledged at once.

    Anything validly signed gets 200, even when we do not understand it: any other answer makes Meta
    retry for 7 days. Only a missing (401) or wrong (403) signature, or a body that is not JSON (400), is
    refused, and then nothing is stored.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = NoNegotiation  # every answer is plain text: no Accept header to weigh

    def get(self, request):
        params = request.query_params
        if params.get("hub.mode") == "subscribe" and webhook_verify_token_valid(
            token=params.get("hub.verify_token", "")
        ):
            return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponse("Forbidden", status=403, content_type="text/plain")

    def post(self, request):
        body = request.body  # the raw bytes: the signature is over them, before any parsing
        header = request.headers.get("X-Hub-Signature-256", "")
        if not header:
            return HttpResponse("Missing signature", status=401, content_type="text/plain")
        if not webhook_signature_valid(body=body, header=header):
            return HttpResponse("Bad signature", status=403, content_type="text/plain")
        try:
            webhook_receive(body=body)
        except MalformedWebhook as exc:
            return HttpResponse(exc.message, status=400, content_type="text/plain")
        return HttpResponse("OK", content_type="text/plain")
