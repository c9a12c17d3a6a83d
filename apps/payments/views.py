"""Gateway callbacks: signed POSTs, kept and applied by `services.payment_callback_receive`."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import payment_callback_receive

MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def payment_callback(request: HttpRequest, provider: str) -> JsonResponse:
    if len(request.body) > MAX_BODY:
        return JsonResponse({"result": "too large"}, status=413)
    headers = {key: value for key, value in request.headers.items()}
    status, outcome = payment_callback_receive(provider=provider, body=request.body, headers=headers)
    return JsonResponse({"result": outcome}, status=status)
