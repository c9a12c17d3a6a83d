"""The signed endpoint where department portals post status changes: POST /portals/<connector>/callback/.

Answers: 200 acted on (or a replay of an event already acted on), 400 not a JSON object with a reference
and a status, 401 no signature, 403 a wrong signature, 404 an unknown portal or reference, 409 a status
that cannot follow the application's current state. Nothing changes on any 4xx.
"""

import json
import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.core.exceptions import ApplicationError

from .callbacks import SIGNATURE_HEADER, CallbackRejected, portal_callback_connection, portal_callback_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def portal_callback(request, connector: str):
    body = request.body
    try:
        connection = portal_callback_connection(
            connector=connector, body=body, signature=request.headers.get(SIGNATURE_HEADER)
        )
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise CallbackRejected(400, "The body is not a JSON object.")
        result = portal_callback_receive(connection=connection, payload=payload, body=body)
    except CallbackRejected as exc:
        if exc.status != 404:
            logger.warning("Portal callback for %s refused (%s): %s", connector[:20], exc.status, exc)
        return JsonResponse({"error": str(exc)}, status=exc.status)
    except ApplicationError as exc:
        logger.warning("Portal callback for %s not applied: %s", connector, exc.message)
        return JsonResponse({"error": exc.message}, status=409)
    return JsonResponse({"result": result})
