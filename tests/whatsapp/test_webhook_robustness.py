"""Whatever a validly signed POST holds, the answer is never a 500, and nothing good in it is lost."""

import json
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.conversations import delivery, outbound
from apps.conversations.models import Citizen, Conversation, Message
from apps.whatsapp.models import WebhookEvent
from tests.whatsapp.conftest import MAIN_NUMBER_ID, inbound, payload_bytes

pytestmark = pytest.mark.django_db


def _text_payload(**message_changes) -> dict:
    body = json.loads(payload_bytes("text"))
    body["entry"][0]["changes"][0]["value"]["messages"][0].update(message_changes)
    return body


def _with_good_message(mutate) -> dict:
    """A batch with one odd change and one good message: the good one must be stored."""
    body = json.loads(payload_bytes("text"))
    odd = json.loads(payload_bytes("text_hindi"))["entry"][0]["changes"][0]
    mutate(odd["value"])
    body["entry"][0]["changes"].append(odd)
    return body


@pytest.mark.parametrize(
    "mutate",
    [
        lambda v: v.update(messages="not a list"),
        lambda v: v.update(contacts=[None]),
        lambda v: v["messages"][0].update(timestamp="yesterday"),
        lambda v: v["messages"][0].update(id=12345),
        lambda v: v["messages"][0].update(text={"body": "nul \u0000 inside"}),
        lambda v: v["messages"][0].update(text={"body": "lone \ud800 surrogate"}),
        lambda v: v["messages"][0].update(type="x" * 500),
        lambda v: v["messages"][0].update({"from": "", "from_user_id": ""}),  # no identity at all
        lambda v: v.update(statuses=[{"id": "wamid.X", "status": "failed", "timestamp": "1",
                                      "errors": [{"code": 2**40}], "biz_opaque_callback_data": "outbound:²"}]),
        lambda v: v.update(
            statuses=[{"id": "wamid.X" * 100, "status": "delivered", "pricing": {"category": "c" * 99}}]
        ),
    ],
)  # fmt: skip
def test_odd_updates_do_not_cost_the_good_ones(numbers, post_webhook, mutate):
    response = post_webhook(_with_good_message(mutate))

    assert response.status_code == 200
    assert Message.objects.filter(body="mujhe janm praman patra chahiye").exists()
    assert WebhookEvent.objects.count() == 1


def test_a_message_without_any_identity_is_not_filed_under_someone_else(numbers, post_webhook):
    Citizen.objects.create(wa_id="919811122233", name="Rahul Verma")  # a citizen without a BSUID

    post_webhook(_text_payload(**{"from": "", "from_user_id": ""}) | {})

    assert not Message.objects.filter(conversation__citizen__wa_id="919811122233").exists()


@pytest.mark.parametrize("body", [b'{"a": NaN}', b"[" * 100_000 + b"]" * 100_000, b'{"a": "\xff"}'])
def test_bodies_that_are_not_json_are_a_400(numbers, post_webhook, body):
    assert post_webhook(body).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_non_ascii_signature_is_refused_not_a_crash(numbers, client):
    response = client.post(
        reverse("whatsapp:webhook"), data=payload_bytes("text"), content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=é",
    )  # fmt: skip

    assert response.status_code == 403


def test_aadhaar_numbers_a_citizen_types_are_never_stored_in_full(numbers, post_webhook):
    # 2345 6789 0124 is Verhoeff-valid; the sender's own number (12 digits too) must stay as it is.
    post_webhook(_text_payload(text={"body": "mera aadhaar 2345 6789 0124 hai, aur 234567890124 bhi"}))

    message = inbound().get()
    event = WebhookEvent.objects.get()
    replies = [m.body + json.dumps(m.payload) for m in Message.objects.filter(direction="out")]
    for stored in (message.body, json.dumps(message.payload), event.body, *replies):
        assert "2345 6789 0124" not in stored and "234567890124" not in stored
    assert message.body == "mera aadhaar XXXX XXXX 0124 hai, aur XXXXXXXX0124 bhi"
    assert message.conversation.citizen.wa_id == "919876543210" and "919876543210" in event.body


@pytest.mark.parametrize("ascii_escaped", [True, False], ids=["escaped", "utf8"])
def test_an_aadhaar_number_typed_in_devanagari_digits_is_masked_too(numbers, post_webhook, ascii_escaped):
    # Meta escapes non-ASCII (\u0968...), but a proxy may not: either way the raw text must not slip past.
    payload = _text_payload(text={"body": "मेरा आधार २३४५ ६७८९ ०१२४ है"})
    post_webhook(json.dumps(payload, ensure_ascii=ascii_escaped).encode())

    message = inbound().get()
    event = WebhookEvent.objects.get()
    for stored in (
        message.body,
        json.loads(event.body)["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"],
    ):
        assert "२३४५ ६७८९" not in stored and stored.endswith("०१२४ है")
    assert "XXXX" in message.body


@pytest.fixture
def conversation(numbers):
    citizen = Citizen.objects.create(wa_id="919958045621", language="hi")
    return Conversation.objects.create(
        citizen=citizen, number=numbers[MAIN_NUMBER_ID], last_inbound_at=timezone.now() - timedelta(hours=1)
    )


def test_a_closed_window_reported_only_by_a_failed_status_holds_the_message(
    conversation, post_webhook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbound.text(conversation=conversation, body="आपका प्रमाण पत्र तैयार है।")
    message.refresh_from_db()
    failed = json.loads(payload_bytes("status_failed"))  # 131047 for this wamid
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = message.wamid

    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(failed)

    message.refresh_from_db()
    assert message.awaiting_window and message.status == "queued" and message.wamid is None
    template = Message.objects.get(type="template")
    assert template.status == "sent" and template.payload["template"]["language"]["code"] == "hi"


def test_one_nudge_a_day_even_after_the_first_was_delivered(conversation, django_capture_on_commit_callbacks):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=30))
    conversation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        outbound.text(conversation=conversation, body="one")
    Message.objects.filter(type="template").update(status="delivered", status_rank=Message.RANKS["delivered"])
    with django_capture_on_commit_callbacks(execute=True):
        outbound.text(conversation=conversation, body="two")

    assert Message.objects.filter(type="template").count() == 1


def test_a_claimed_send_is_not_taken_for_a_stuck_one(conversation):
    message = outbound.text(conversation=conversation, body="Hello")  # queued long ago, then sent now
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1),
                                                 updated_at=timezone.now() - timedelta(hours=1))  # fmt: skip

    assert delivery.outbound_deliver(message_id=message.pk).sent
    assert delivery.outbound_stuck_settle() == 0
    message.refresh_from_db()
    assert message.status == "sent" and not message.needs_attention


def test_a_queued_message_whose_task_was_lost_is_sent_by_the_sweeper(conversation):
    from apps.conversations.tasks import outbound_settle_task

    message = outbound.text(conversation=conversation, body="Hello")  # on_commit never ran: the task was lost
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    outbound_settle_task.delay()

    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1


def test_buttons_with_clashing_titles_get_distinct_ones(conversation):
    started = time.monotonic()
    message = outbound.buttons(conversation=conversation, body="?", options=[("a", "Yes"), ("b", "Y…2"), ("c", "Yes")])

    titles = [b["reply"]["title"] for b in message.payload["interactive"]["action"]["buttons"]]
    assert len(set(titles)) == 3 and all(len(t) <= 20 for t in titles)
    assert time.monotonic() - started < 1
