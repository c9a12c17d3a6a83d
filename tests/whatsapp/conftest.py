import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import make_department, make_number

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "test-app-secret"
MAIN_NUMBER_ID, SECOND_NUMBER_ID = "106540352242922", "106540352242923"


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def inbound():
    """What citizens sent (the bot's replies are rows too, outbound)."""
    from apps.conversations.models import Message

    return Message.objects.filter(direction=Message.Direction.INBOUND)


@pytest.fixture(autouse=True)
def _whatsapp_settings(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "test-verify-token"


@pytest.fixture
def numbers(db):
    mcd, rev = make_department(code="MCD"), make_department(code="REV")
    return {
        MAIN_NUMBER_ID: make_number(department=mcd, phone_number_id=MAIN_NUMBER_ID, display_number="+911140000001"),
        SECOND_NUMBER_ID: make_number(department=rev, phone_number_id=SECOND_NUMBER_ID, display_number="+911140000002"),
    }


@pytest.fixture
def post_webhook(client, django_capture_on_commit_callbacks):
    """POST a body to the webhook as Meta does: raw bytes, signed with the app secret.

    The test's transaction never commits, so what the request queues on commit is run here (eagerly, as
    the worker would); `process=False` leaves it unrun, as when the broker is down.
    """

    def post(body: bytes | dict | str, *, sign: bool = True, secret: str = APP_SECRET, process: bool = True):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = payload_bytes(body)
        headers = {"HTTP_X_HUB_SIGNATURE_256": signature(body, secret)} if sign else {}
        url = reverse("whatsapp:webhook")
        with django_capture_on_commit_callbacks(execute=process):
            return client.post(url, data=body, content_type="application/json", **headers)

    return post
