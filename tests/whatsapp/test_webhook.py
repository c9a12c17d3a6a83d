"""The webhook stores everything Meta sends once, acknowledges at once, and refuses only bad signatures."""

import json

import pytest
from django.urls import reverse

from apps.conversations.models import Citizen, Conversation, Message
from apps.whatsapp.models import StatusEvent, WebhookEvent, WebhookUpdate
from tests.whatsapp.conftest import MAIN_NUMBER_ID, SECOND_NUMBER_ID, inbound, payload_bytes

pytestmark = pytest.mark.django_db


def test_it_answers_metas_handshake_with_the_raw_challenge(client):
    url = reverse("whatsapp:webhook")
    ok = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"}
    )
    wrong = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    no_mode = client.get(url, {"hub.verify_token": "test-verify-token", "hub.challenge": "1"})

    assert ok.status_code == 200 and ok.content == b"1158201444" and ok["Content-Type"].startswith("text/plain")
    assert wrong.status_code == 403 and no_mode.status_code == 403


@pytest.mark.parametrize(
    "kwargs, status",
    [({"sign": False}, 401), ({"secret": "not-the-app-secret"}, 403)],
)
def test_it_refuses_unsigned_or_badly_signed_posts_and_stores_nothing(numbers, post_webhook, kwargs, status):
    response = post_webhook("text", **kwargs)

    assert response.status_code == status
    assert not WebhookEvent.objects.exists() and not Message.objects.exists()


def test_a_signed_body_that_is_not_json_is_a_400_and_stores_nothing(numbers, post_webhook, client):
    response = post_webhook(b"{not json")
    listed = post_webhook(b"[1, 2]")

    assert response.status_code == 400 and listed.status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "name, type, text, reply_id",
    [
        ("text", "text", "mujhe janm praman patra chahiye", ""),
        ("text_hindi", "text", "मेरी पेंशन कब आएगी", ""),
        ("interactive_button_reply", "interactive", "", "appt_confirm_yes"),
        ("interactive_list_reply", "interactive", "", "svc_birth_certificate"),
        ("interactive_nfm_reply", "interactive", "Sent", "gc-flow-birthcert-8f2c1a7e4b"),
        ("button_template_reply", "button", "", "PENSION_STATUS_CHECK"),
        ("image", "image", "", ""),
        ("document", "document", "", ""),
        ("audio_voice", "audio", "", ""),
        ("audio_file", "audio", "", ""),
        ("video", "video", "", ""),
        ("sticker", "sticker", "", ""),
        ("location", "location", "Lajpat Nagar", ""),
        ("contacts", "contacts", "Savitri Sharma", ""),
        ("reaction", "reaction", "👍", ""),
        ("reaction_removed", "reaction", "", ""),
        ("order", "order", "", ""),
        ("system_number_changed", "system", "", ""),
        ("unsupported", "unsupported", "", ""),
        ("referral_text", "text", "", ""),
        ("unknown_type", "poll", "", ""),
    ],
)
def test_it_stores_every_kind_of_message_once(numbers, post_webhook, name, type, text, reply_id):
    raw = json.loads(payload_bytes(name))["entry"][0]["changes"][0]["value"]["messages"][0]

    first, again = post_webhook(name), post_webhook(name)

    assert first.status_code == 200 and again.status_code == 200
    message = inbound().get()
    assert message.wamid == raw["id"] and message.type == type
    assert text in message.body and message.reply_id.startswith(reply_id)
    assert message.payload == raw  # the whole update is kept, including what we do not read yet
    assert message.direction == "in" and message.conversation.number.phone_number_id == MAIN_NUMBER_ID
    if type in {"image", "document", "audio", "video", "sticker"}:
        assert message.media_id == raw[type]["id"] and message.media_mime_type == raw[type]["mime_type"]
    assert WebhookEvent.objects.count() == 1


def test_it_reads_every_update_of_a_batch_across_entries_changes_and_numbers(numbers, post_webhook):
    response = post_webhook("batch_mixed")

    assert response.status_code == 200
    assert Message.objects.filter(direction="in").count() == 6
    assert set(Message.objects.values_list("conversation__number__phone_number_id", flat=True)) == {
        MAIN_NUMBER_ID,
        SECOND_NUMBER_ID,
    }
    assert StatusEvent.objects.count() == 4
    assert Citizen.objects.count() == 3


def test_a_message_repeated_in_a_different_batch_is_stored_once(numbers, post_webhook):
    single = json.loads(payload_bytes("text"))
    batch = json.loads(payload_bytes("batch_mixed"))
    batch["entry"][0]["changes"][0]["value"]["messages"].append(
        single["entry"][0]["changes"][0]["value"]["messages"][0]
    )

    post_webhook(single)
    post_webhook(batch)

    assert Message.objects.filter(wamid=single["entry"][0]["changes"][0]["value"]["messages"][0]["id"]).count() == 1
    assert inbound().count() == 7
    assert WebhookEvent.objects.count() == 2


def _outbound(numbers, wamid: str) -> Message:
    citizen = Citizen.objects.create(wa_id="919811122233")
    conversation = Conversation.objects.create(citizen=citizen, number=numbers[MAIN_NUMBER_ID])
    return Message.objects.create(
        conversation=conversation, direction="out", type="text", body="Your certificate is ready", wamid=wamid,
        status="sent", status_rank=Message.RANKS["sent"],
    )  # fmt: skip


def test_statuses_never_move_backwards(numbers, post_webhook):
    statuses = json.loads(payload_bytes("statuses_out_of_order"))["entry"][0]["changes"][0]["value"]["statuses"]
    message = _outbound(numbers, statuses[0]["id"])

    post_webhook("statuses_out_of_order")  # read, delivered, sent: in that order

    message.refresh_from_db()
    assert message.status == "read"
    assert set(StatusEvent.objects.filter(wamid=message.wamid).values_list("status", flat=True)) == {
        "read",
        "delivered",
        "sent",
    }


def test_read_stays_read_when_a_late_delivered_arrives(numbers, post_webhook):
    wamid = json.loads(payload_bytes("status_read"))["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    message = _outbound(numbers, wamid)

    post_webhook("status_read")
    post_webhook("status_delivered")
    post_webhook("status_delivered")

    message.refresh_from_db()
    assert message.status == "read" and message.pricing_category == "service"
    assert StatusEvent.objects.filter(wamid=wamid).count() == 2


def test_a_failed_status_is_recorded_with_its_code_and_flagged(numbers, post_webhook):
    wamid = json.loads(payload_bytes("status_failed_131026"))["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
    message = _outbound(numbers, wamid)

    post_webhook("status_failed_131026")

    message.refresh_from_db()
    assert (message.status, message.error_code, message.needs_attention) == ("failed", 131026, True)


def test_a_status_links_a_send_whose_answer_was_lost_by_our_row_id(numbers, post_webhook):
    message = _outbound(numbers, wamid=None)
    message.status, message.status_rank = "uncertain", Message.RANKS["uncertain"]
    message.save()
    body = json.loads(payload_bytes("status_with_callback_data"))
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["biz_opaque_callback_data"] = f"outbound:{message.pk}"

    post_webhook(body)

    message.refresh_from_db()
    assert message.wamid == status["id"] and message.status == "delivered"


def test_an_unknown_number_is_stored_flagged_and_acknowledged(numbers, post_webhook):
    response = post_webhook("unknown_number")

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.unknown_number and "999999999999999" in event.phone_number_ids
    assert not Message.objects.exists()


@pytest.mark.parametrize("name", ["unknown_field", "errors"])
def test_updates_we_do_not_act_on_are_kept_and_acknowledged(numbers, post_webhook, name):
    response = post_webhook(name)

    assert response.status_code == 200
    assert json.loads(WebhookEvent.objects.get().body) == json.loads(payload_bytes(name))
    assert not Message.objects.exists()


def test_a_citizen_with_a_username_is_known_by_their_bsuid(numbers, post_webhook):
    post_webhook("bsuid_empty_wa_id")

    citizen = Citizen.objects.get()
    assert citizen.wa_id == "" and citizen.user_id == "IN.13491208655302741918"
    assert citizen.name == "Neha"


def test_the_same_citizen_keeps_one_row_when_their_bsuid_appears(numbers, post_webhook):
    Citizen.objects.create(wa_id="919876543210", name="Sunita Devi")

    post_webhook("text")  # carries both wa_id and user_id

    citizen = Citizen.objects.get()
    assert citizen.user_id == "IN.10458263917402856391"


def test_the_24_hour_window_runs_from_the_latest_message_whatever_the_order(numbers, post_webhook):
    later = json.loads(payload_bytes("text"))
    earlier = json.loads(payload_bytes("text"))
    message = earlier["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"], message["timestamp"] = message["id"] + "-earlier", str(int(message["timestamp"]) - 3600)

    post_webhook(later)
    post_webhook(earlier)

    conversation = Conversation.objects.get()
    assert int(conversation.last_inbound_at.timestamp()) == int(
        later["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"]
    )


def test_processing_is_queued_only_after_commit_and_once(numbers, post_webhook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_webhook("text", process=False)
        post_webhook("text", process=False)  # Meta's retry of the same bytes
        # The request stored only the event and the message's key; nothing is filed until the task runs.
        assert WebhookEvent.objects.count() == 1 and not Message.objects.exists()
        assert WebhookUpdate.objects.get().processed_at is None

    assert callbacks  # the (eager) tasks ran after the commit
    assert inbound().get().processed_at is not None
    assert Message.objects.filter(direction="out", type="interactive").count() == 1  # one welcome, not two
    assert WebhookUpdate.objects.get().processed_at is not None


def test_the_sweepers_process_what_was_stored_while_the_broker_was_down(
    numbers, post_webhook, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from apps.conversations.tasks import inbound_sweep_task
    from apps.whatsapp.tasks import webhook_sweep_task

    post_webhook("text", process=False)  # as if the broker were down: the event task is never queued
    assert not Message.objects.exists()
    assert webhook_sweep_task.delay().get() == 0  # queued a moment ago: it may only be waiting its turn
    WebhookEvent.objects.update(queued_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=False):  # the message's own task is lost too
        assert webhook_sweep_task.delay().get() == 1
    assert webhook_sweep_task.delay().get() == 0
    message = inbound().get()
    assert message.processed_at is None
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert inbound_sweep_task.delay().get() == 1
    assert inbound_sweep_task.delay().get() == 0

    message.refresh_from_db()
    assert message.processed_at is not None and message.status == "processed"
    assert Message.objects.filter(direction="out").exists()  # and the citizen got their answer


def test_a_recycled_number_does_not_inherit_the_previous_holders_conversation(numbers, post_webhook):
    previous = Citizen.objects.create(wa_id="919876543210", user_id="IN.99999999999999999999", name="Old holder")
    Conversation.objects.create(citizen=previous, number=numbers[MAIN_NUMBER_ID])

    post_webhook("text")  # the same number, with Sunita's own BSUID

    message = inbound().get()
    assert message.conversation.citizen != previous
    assert message.conversation.citizen.user_id == "IN.10458263917402856391"
    previous.refresh_from_db()
    assert previous.wa_id == "" and previous.user_id == "IN.99999999999999999999"
