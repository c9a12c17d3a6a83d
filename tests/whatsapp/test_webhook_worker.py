"""The webhook with a real Celery worker: what a burst of POSTs stores is filed and processed by the
worker process, through whichever queuing the settings choose (a shared drain with Redis, one task per
event without)."""

import json
import time

import pytest
from django.urls import reverse

from apps.conversations.models import Message
from apps.whatsapp.models import WebhookUpdate
from govchat.celery import app as celery_app
from tests.whatsapp.conftest import APP_SECRET, MAIN_NUMBER_ID, inbound, payload_bytes, signature


def _text_from(wa_id: str, n: int) -> bytes:
    payload = json.loads(payload_bytes("text"))
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": f"Citizen {wa_id[-3:]}"}, "wa_id": wa_id}]
    value["messages"][0].update(
        {"from": wa_id, "id": f"wamid.BURST{wa_id}{n:03d}", "text": {"body": f"sandesh {n}"},
         "timestamp": str(1790000000 + n)}
    )  # fmt: skip
    return json.dumps(payload).encode()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_posts_is_filed_and_processed_by_a_real_worker(numbers, client, celery_worker_process):
    queue = celery_worker_process(WHATSAPP_APP_SECRET=APP_SECRET)
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf["CELERY_TASK_DEFAULT_QUEUE"] = queue  # what the webhook queues goes to this worker
    assert celery_app.conf.task_default_queue == queue
    try:
        citizens = [f"9198765400{i:02d}" for i in range(5)]
        for n in range(6):
            for wa_id in citizens:
                body = _text_from(wa_id, n)
                response = client.post(reverse("whatsapp:webhook"), data=body, content_type="application/json",
                                       HTTP_X_HUB_SIGNATURE_256=signature(body))  # fmt: skip
                assert response.status_code == 200
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and inbound().filter(processed_at__isnull=False).count() < 30:
            time.sleep(0.25)
    finally:
        celery_app.conf["CELERY_TASK_DEFAULT_QUEUE"] = default_queue

    assert inbound().filter(processed_at__isnull=False).count() == 30
    assert not WebhookUpdate.objects.filter(processed_at__isnull=True).exists()
    for wa_id in citizens:
        bodies = inbound().filter(conversation__citizen__wa_id=wa_id).order_by("sent_at").values_list("body", flat=True)
        assert list(bodies) == [f"sandesh {n}" for n in range(6)]
        # The worker answered each of them, starting with the bilingual welcome.
        first_reply = Message.objects.filter(conversation__citizen__wa_id=wa_id, direction="out").order_by("pk").first()
        assert first_reply is not None and "नमस्ते" in first_reply.body and "Hello" in first_reply.body
        assert Message.objects.filter(conversation__citizen__wa_id=wa_id).values("conversation").distinct().count() == 1
    assert numbers[MAIN_NUMBER_ID].conversations.count() == 5
