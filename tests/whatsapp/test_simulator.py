"""The simulator posts real signed webhooks over HTTP (to the live test server) and reports ticks back."""

import io
import json
import re

import pytest
import requests
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from apps.conversations import outbound
from apps.conversations.media import media_download
from apps.conversations.models import Citizen, Conversation, Message
from apps.simulator.simulator import (
    Phone,
    SimulatorError,
    bsuid_for,
    simulator_location_send,
    simulator_media_send,
    simulator_messages,
    simulator_receipts_send,
    simulator_reply_send,
    simulator_text_send,
)
from apps.whatsapp.models import StatusEvent, WebhookEvent
from tests.whatsapp.conftest import MAIN_NUMBER_ID, SECOND_NUMBER_ID

pytestmark = pytest.mark.django_db(transaction=True)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SUNITA = Phone(wa_id="919876543210", name="Sunita Devi")


@pytest.fixture
def number(numbers):
    return numbers[MAIN_NUMBER_ID]


def bot_message(**kwargs) -> Message:
    """What the bot sends, queued by the gateway in a committed transaction (the outbox marks it sent)."""
    conversation = Conversation.objects.get()
    with transaction.atomic():
        return kwargs.pop("send")(conversation=conversation, **kwargs)


def test_a_text_arrives_as_an_inbound_message_through_a_signed_meta_envelope(number, live_server):
    simulator_text_send(number=number, phone=SUNITA, body="mujhe janm praman patra chahiye", base_url=live_server.url)

    message = Message.objects.get(direction="in")
    assert message.direction == "in" and message.type == "text" and message.body == "mujhe janm praman patra chahiye"
    assert message.conversation.number == number and message.wamid.startswith("wamid.SIM")
    envelope = json.loads(WebhookEvent.objects.get().body)
    assert envelope["object"] == "whatsapp_business_account"
    change = envelope["entry"][0]["changes"][0]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {"display_phone_number": "911140000001", "phone_number_id": MAIN_NUMBER_ID}
    assert value["contacts"] == [
        {"profile": {"name": "Sunita Devi"}, "wa_id": "919876543210", "user_id": bsuid_for("919876543210")}
    ]
    item = value["messages"][0]
    assert item["from"] == "919876543210" and item["id"] == message.wamid and item["type"] == "text"
    assert isinstance(item["timestamp"], str) and item["timestamp"].isdigit()
    assert item["text"] == {"body": "mujhe janm praman patra chahiye"}


def test_every_simulated_message_has_its_own_wamid_and_hindi_arrives_intact(number, live_server):
    simulator_text_send(number=number, phone=SUNITA, body="मेरी पेंशन कब आएगी", base_url=live_server.url)
    simulator_text_send(number=number, phone=SUNITA, body="मेरी पेंशन कब आएगी", base_url=live_server.url)

    bodies = list(Message.objects.filter(direction="in").values_list("body", flat=True))
    assert bodies == ["मेरी पेंशन कब आएगी"] * 2
    assert len(set(Message.objects.filter(direction="in").values_list("wamid", flat=True))) == 2


def test_a_webhook_that_refuses_the_signature_is_an_error_and_stores_nothing(number, live_server, monkeypatch):
    monkeypatch.setattr("apps.whatsapp.views.webhook_signature_valid", lambda **kwargs: False)

    with pytest.raises(SimulatorError, match="403"):
        simulator_text_send(number=number, phone=SUNITA, body="hello", base_url=live_server.url)

    assert not Message.objects.exists() and not WebhookEvent.objects.exists()


def test_an_unreachable_webhook_is_an_error(number):
    with pytest.raises(SimulatorError, match="did not answer"):
        simulator_text_send(number=number, phone=SUNITA, body="hello", base_url="http://127.0.0.1:9")


def test_tapping_a_reply_button_carries_the_bot_message_as_context_and_the_button_id(number, live_server):
    simulator_text_send(number=number, phone=SUNITA, body="birth certificate", base_url=live_server.url)
    asked = bot_message(send=outbound.buttons, body="Apply now?", options=[("apply_yes", "Yes"), ("apply_no", "No")])
    asked.refresh_from_db()
    assert asked.status == "sent" and asked.wamid.startswith("wamid.outbox")

    simulator_reply_send(
        number=number, phone=SUNITA, message_id=asked.pk, reply_id="apply_no", base_url=live_server.url
    )

    reply = Message.objects.filter(direction="in").last()
    assert reply.type == "interactive" and reply.reply_id == "apply_no" and reply.body == "No"
    assert reply.context_wamid == asked.wamid
    assert reply.payload["context"] == {"from": "911140000001", "id": asked.wamid}
    assert reply.payload["interactive"] == {"type": "button_reply", "button_reply": {"id": "apply_no", "title": "No"}}


def test_picking_a_list_row_sends_a_list_reply_with_its_title_and_description(number, live_server):
    simulator_text_send(number=number, phone=SUNITA, body="services", base_url=live_server.url)
    rows = [
        outbound.Row("svc_birth", "Birth certificate", "MCD, 7 days"),
        outbound.Row("svc_death", "Death certificate"),
    ]
    menu = bot_message(send=outbound.menu, body="Which one?", button="Services", rows=rows)

    simulator_reply_send(
        number=number, phone=SUNITA, message_id=menu.pk, reply_id="svc_birth", base_url=live_server.url
    )

    reply = Message.objects.filter(direction="in").last()
    assert reply.reply_id == "svc_birth" and reply.context_wamid == Message.objects.get(pk=menu.pk).wamid
    assert reply.payload["interactive"]["list_reply"] == {
        "id": "svc_birth", "title": "Birth certificate", "description": "MCD, 7 days"
    }  # fmt: skip


def test_a_tap_on_a_button_the_message_does_not_have_is_refused(number, live_server):
    simulator_text_send(number=number, phone=SUNITA, body="hi", base_url=live_server.url)
    asked = bot_message(send=outbound.buttons, body="Apply now?", options=[("apply_yes", "Yes")])
    other = Phone(wa_id="919811111111")

    with pytest.raises(SimulatorError, match="no such button"):
        simulator_reply_send(number=number, phone=SUNITA, message_id=asked.pk, reply_id="made_up")
    with pytest.raises(SimulatorError, match="not in this conversation"):
        simulator_reply_send(number=number, phone=other, message_id=asked.pk, reply_id="apply_yes")
    assert Message.objects.filter(direction="in").count() == 1


def test_an_uploaded_pdf_becomes_a_document_message_with_its_file(number, live_server):
    message = simulator_media_send(
        number=number, phone=SUNITA, kind="document", content=PDF, filename="ration_card.pdf",
        caption="Ration card ki copy", base_url=live_server.url,
    )  # fmt: skip

    message.refresh_from_db()
    assert message.direction == "in" and message.type == "document" and message.body == "Ration card ki copy"
    assert message.media_mime_type == "application/pdf"
    assert message.media_file.read() == PDF
    assert re.fullmatch(r"sim-[0-9a-f-]{36}", message.media_id)
    assert default_storage.open(f"simulator/{message.media_id}").read() == PDF
    document = message.payload["document"]
    assert document["filename"] == "ration_card.pdf" and document["mime_type"] == "application/pdf"
    assert media_download(message_id=message.pk) is False  # the usual download already attached it, once


def test_a_voice_note_and_a_photo_are_sent_as_meta_sends_them(number, live_server):
    voice = simulator_media_send(
        number=number, phone=SUNITA, kind="audio", content=b"OggS\x00\x02voice", filename="note.ogg",
        base_url=live_server.url,
    )  # fmt: skip
    photo = simulator_media_send(
        number=number, phone=SUNITA, kind="image", content=b"\xff\xd8\xff\xe0photo", filename="x.jpg",
        caption="Aadhaar", base_url=live_server.url,
    )  # fmt: skip

    assert voice.payload["audio"]["voice"] is True and voice.payload["audio"]["mime_type"] == "audio/ogg; codecs=opus"
    assert voice.media_mime_type == "audio/ogg" and photo.media_mime_type == "image/jpeg" and photo.body == "Aadhaar"
    with pytest.raises(SimulatorError, match="not a JPEG"):
        simulator_media_send(number=number, phone=SUNITA, kind="image", content=PDF, filename="x.jpg")


def test_a_shared_location_arrives_with_its_coordinates(number, live_server):
    simulator_location_send(
        number=number, phone=SUNITA, latitude=28.6129, longitude=77.2295, name="India Gate",
        address="Kartavya Path, New Delhi", base_url=live_server.url,
    )  # fmt: skip

    message = Message.objects.get(direction="in")
    assert message.type == "location" and message.body == "India Gate"
    assert message.payload["location"] == {
        "latitude": 28.6129, "longitude": 77.2295, "name": "India Gate", "address": "Kartavya Path, New Delhi"
    }  # fmt: skip


def test_a_username_only_citizen_is_stored_with_no_number_and_their_bsuid(number, live_server):
    phone = Phone(wa_id="919812345678", name="Neha", username_only=True)

    simulator_text_send(number=number, phone=phone, body="namaste", base_url=live_server.url)

    citizen = Citizen.objects.get()
    assert citizen.wa_id == "" and citizen.user_id == phone.user_id
    assert re.fullmatch(r"IN\.\d{20}", citizen.user_id)
    item = Message.objects.get(direction="in").payload
    assert item["from"] == "" and item["from_user_id"] == phone.user_id


def test_it_never_chats_as_a_real_citizen_nor_shows_their_conversation(number, live_server):
    real = Citizen.objects.create(wa_id=SUNITA.wa_id, user_id="IN.a-bsuid-meta-gave")
    conversation = Conversation.objects.create(citizen=real, number=number)
    Message.objects.create(conversation=conversation, direction="in", type="text", body="private", status="received")

    with pytest.raises(SimulatorError, match="did not make"):
        simulator_text_send(number=number, phone=SUNITA, body="hi", base_url=live_server.url)

    assert simulator_messages(number=number, phone=SUNITA) == []
    assert Message.objects.count() == 1 and not WebhookEvent.objects.exists()


def test_statuses_from_the_simulator_move_a_bot_message_to_delivered_then_read(number, live_server):
    simulator_text_send(number=number, phone=SUNITA, body="status?", base_url=live_server.url)
    sent = Message.objects.get(direction="out")  # the bot's welcome
    assert sent.status == "sent"

    assert simulator_receipts_send(number=number, phone=SUNITA, status="delivered", base_url=live_server.url) == 1
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.pricing_category == "service"

    assert simulator_receipts_send(number=number, phone=SUNITA, status="read", base_url=live_server.url) == 1
    sent.refresh_from_db()
    assert sent.status == "read"
    assert list(StatusEvent.objects.values_list("status", flat=True)) == ["delivered", "read"]
    statuses = json.loads(WebhookEvent.objects.last().body)["entry"][0]["changes"][0]["value"]["statuses"]
    assert statuses == [
        {"id": sent.wamid, "status": "read", "timestamp": statuses[0]["timestamp"], "recipient_id": "919876543210"}
    ]
    assert simulator_receipts_send(number=number, phone=SUNITA, status="read", base_url=live_server.url) == 0


def test_it_404s_everywhere_when_the_simulator_is_off(number, client, settings):
    settings.WHATSAPP_SIMULATOR_ENABLED = False
    urls = [reverse(f"simulator:{name}") for name in ("page", "conversation", "send", "upload", "receipts")]

    assert all(client.get(url).status_code == 404 for url in urls)
    assert all(client.post(url).status_code == 404 for url in urls[1:])


def test_the_page_lists_the_active_numbers_in_both_languages(numbers, client):
    numbers[SECOND_NUMBER_ID].department.name_hi = "राजस्व विभाग"
    numbers[SECOND_NUMBER_ID].department.save()

    page = client.get(reverse("simulator:page")).content.decode()

    assert MAIN_NUMBER_ID in page and SECOND_NUMBER_ID in page and "राजस्व विभाग" in page
    assert "Send / भेजें" in page


def test_with_no_number_the_page_says_so_and_links_to_the_admin(db, client):
    page = client.get(reverse("simulator:page")).content.decode()

    assert reverse("admin:departments_whatsappnumber_add") in page


def test_the_json_endpoints_need_the_csrf_token_and_then_send_and_report(number, live_server):
    session = requests.Session()
    session.get(f"{live_server.url}{reverse('simulator:page')}").raise_for_status()
    who = {"number": MAIN_NUMBER_ID, "wa_id": "919876543210", "name": "Sunita Devi"}
    url = f"{live_server.url}{reverse('simulator:send')}"

    refused = session.post(url, data={**who, "kind": "text", "text": "hello"})
    headers = {"X-CSRFToken": session.cookies["csrftoken"]}
    sent = session.post(url, data={**who, "kind": "text", "text": "hello"}, headers=headers)
    upload = session.post(
        f"{live_server.url}{reverse('simulator:upload')}", data={**who, "kind": "document"},
        files={"file": ("form.pdf", PDF, "application/pdf")}, headers=headers,
    )  # fmt: skip
    receipts = session.post(
        f"{live_server.url}{reverse('simulator:receipts')}", data={**who, "status": "read"}, headers=headers
    )
    conversation = session.get(f"{live_server.url}{reverse('simulator:conversation')}", params=who).json()

    assert refused.status_code == 403
    assert sent.status_code == 200 and sent.json()["message"]["body"] == "hello"
    assert upload.status_code == 200 and upload.json()["message"]["display"]["filename"] == "form.pdf"
    shown = [(m["direction"], m["type"], m["status"]) for m in conversation["messages"]]
    replies = [m for m in shown if m[0] == "out"]
    assert receipts.json() == {"reported": len(replies)} and replies and all(m[2] == "read" for m in replies)
    assert shown[0] == ("in", "text", "processed") and shown[1][0] == "out"  # the bot answered at once
    assert [m for m in shown if m[0] == "in"] == [("in", "text", "processed"), ("in", "document", "processed")]
    assert conversation["window_open"] is True


def test_the_json_endpoints_explain_what_is_wrong(number, client):
    bad_number = client.get(reverse("simulator:conversation"), {"number": "1", "wa_id": "919876543210"})
    bad_phone = client.get(reverse("simulator:conversation"), {"number": MAIN_NUMBER_ID, "wa_id": "98"})

    assert bad_number.status_code == 400 and "active department numbers" in bad_number.json()["error"]
    assert bad_phone.status_code == 400 and "wa_id" in bad_phone.json()["error"]


def test_the_chat_command_sends_each_line_and_quits(number, live_server):
    out = io.StringIO()
    stdin = io.StringIO("mujhe janm praman patra chahiye\nमेरी पेंशन कब आएगी\n/quit\nnever sent\n")

    call_command(
        "chat", "--number", "+911140000001", "--wa-id", "919876543210", "--base-url", live_server.url, "--wait", "0.3",
        stdin=stdin, stdout=out,
    )  # fmt: skip

    assert list(Message.objects.filter(direction="in").values_list("body", flat=True)) == [
        "mujhe janm praman patra chahiye",
        "मेरी पेंशन कब आएगी",
    ]
    assert out.getvalue().count("✓ sent text") == 2


def test_the_chat_command_shows_the_bots_buttons_and_taps_them(number, live_server):
    out = io.StringIO()

    call_command(
        "chat", "--number", MAIN_NUMBER_ID, "--wa-id", "919876543210", "--base-url", live_server.url, "--wait", "0.5",
        stdin=io.StringIO("hi\n/button 2\n/button 1\n/row 1\n"), stdout=out, stderr=io.StringIO(),
    )  # fmt: skip

    shown = out.getvalue()
    assert "[1] हिंदी" in shown and "[2] English" in shown  # the welcome's language buttons
    assert "[1] I agree" in shown  # the consent notice, in English once English was tapped
    taps = Message.objects.filter(direction="in", type="interactive").order_by("pk")
    assert [tap.body for tap in taps][:2] == ["English", "I agree"]
    assert taps.count() == 3  # and a row of the menu list
    citizen = Citizen.objects.get()
    assert citizen.language == "en" and citizen.consent_at is not None
    assert Message.objects.filter(direction="out", status="read").exists()  # the chat reads what it shows
