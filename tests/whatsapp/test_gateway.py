"""The gateway: every message an outbound row first, fitted to Meta's limits, sent at most once, and
outside the 24-hour window only behind an approved template."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.conversations import delivery, outbound
from apps.conversations.models import Citizen, Conversation, Message
from apps.conversations.outbound import Row
from tests.whatsapp.conftest import MAIN_NUMBER_ID, payload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(numbers):
    citizen = Citizen.objects.create(wa_id="919876543210", name="Sunita Devi", language="hi")
    return Conversation.objects.create(
        citizen=citizen, number=numbers[MAIN_NUMBER_ID], last_inbound_at=timezone.now() - timedelta(minutes=5)
    )


def test_a_text_is_an_outbox_row_first_then_sent(conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = outbound.text(conversation=conversation, body="आपका आवेदन DLA260001234 मिल गया है।")
        assert Message.objects.get(pk=message.pk).status == "queued"  # written before anything is sent

    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == "sent" and message.wamid.startswith("wamid.outbox.")
    assert message.direction == "out" and message.attempts == 1


def test_buttons_are_fitted_to_metas_limits(conversation):
    message = outbound.buttons(
        conversation=conversation,
        body="क्या आप आवेदन करना चाहते हैं?",
        options=[("apply", "Apply for this certificate now"), ("docs", "Which documents do I need?"), ("menu", "Menu")],
    )

    rendered = message.payload["interactive"]["action"]["buttons"]
    assert [len(b["reply"]["title"]) <= 20 for b in rendered] == [True, True, True]
    assert rendered[0]["reply"]["title"].endswith("…") and rendered[2]["reply"]["title"] == "Menu"
    with pytest.raises(ValueError):
        outbound.buttons(conversation=conversation, body="?", options=[("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")])


def test_a_long_menu_is_paged_with_a_more_row_in_the_citizens_language(conversation):
    rows = [Row(id=f"svc:{n}", title=f"Service number {n} with a long name", description="x" * 100) for n in range(23)]

    page1 = outbound.menu(conversation=conversation, body="सेवा चुनें", button="सेवाएँ", rows=rows, more_id="services")
    page3 = outbound.menu(
        conversation=conversation, body="सेवा चुनें", button="सेवाएँ", rows=rows, page=3, more_id="services"
    )

    rows1 = page1.payload["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows1) == 10 and rows1[-1] == {"id": "services:2", "title": "और विकल्प", "description": "अगला पेज"}
    assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows1)
    rows3 = page3.payload["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows3] == ["svc:18", "svc:19", "svc:20", "svc:21", "svc:22"]  # the last page: no "more"


def test_outside_the_window_a_message_waits_behind_one_template(conversation, django_capture_on_commit_callbacks):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=30))
    conversation.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        first = outbound.text(conversation=conversation, body="Your certificate is ready.")
        second = outbound.text(conversation=conversation, body="Download it here.")

    first.refresh_from_db()
    assert first.awaiting_window and first.status == "queued" and first.wamid is None
    templates = Message.objects.filter(type="template")
    assert templates.count() == 1  # one nudge, however many messages wait
    template = templates.get()
    assert template.status == "sent"
    assert template.payload["template"]["language"]["code"] == "hi"
    assert second.pk != first.pk


def test_the_citizens_reply_releases_what_waited(conversation, post_webhook, django_capture_on_commit_callbacks):
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - timedelta(hours=30))
    conversation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        held = outbound.text(conversation=conversation, body="Your certificate is ready.")
        held.refresh_from_db()
        assert held.awaiting_window

        reply = json.loads(payload_bytes("text"))
        reply["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(int(time.time()))
        post_webhook(reply)  # Sunita writes again: the window opens

    held.refresh_from_db()
    assert not held.awaiting_window and held.status == "sent"


def test_a_message_is_never_sent_twice(conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbound.text(conversation=conversation, body="Hello")
    wamid = Message.objects.get(pk=message.pk).wamid

    again = delivery.outbound_deliver(message_id=message.pk)  # a retried task, or the sweeper

    assert again.sent is False
    message.refresh_from_db()
    assert message.wamid == wamid and message.attempts == 1


def test_a_send_left_mid_way_by_a_killed_worker_is_flagged_not_resent(conversation):
    message = outbound.text(conversation=conversation, body="Hello")
    Message.objects.filter(pk=message.pk).update(
        status="sending", wamid=None, updated_at=timezone.now() - timedelta(minutes=30)
    )

    assert delivery.outbound_stuck_settle() == 1

    message.refresh_from_db()
    assert message.status == "uncertain" and message.needs_attention
    assert delivery.outbound_deliver(message_id=message.pk).sent is False


def test_an_opted_out_citizen_gets_no_reminders_or_broadcasts_but_still_their_news(conversation):
    Citizen.objects.filter(pk=conversation.citizen_id).update(opted_out_at=timezone.now())
    conversation.refresh_from_db()

    reminder = outbound.text(conversation=conversation, body="Renew your licence", purpose=outbound.REMINDER)
    broadcast = outbound.template(conversation=conversation, name="scheme_launch", parameters=[], purpose="broadcast")
    news = outbound.template(conversation=conversation, name="application_approved", parameters=["DLA260001234"])

    assert reminder is None and broadcast is None
    assert list(Message.objects.values_list("body", flat=True)) == [news.body]


def test_a_reminder_waiting_when_the_citizen_opts_out_is_never_sent(conversation):
    reminder = outbound.text(conversation=conversation, body="Renew your licence", purpose=outbound.REMINDER)
    reply = outbound.text(conversation=conversation, body="Your application is received")
    Citizen.objects.filter(pk=conversation.citizen_id).update(opted_out_at=timezone.now())

    assert delivery.outbound_deliver(message_id=reminder.pk).sent is False
    assert delivery.outbound_deliver(message_id=reply.pk).sent is True
    reminder.refresh_from_db()
    assert reminder.status == "failed" and reminder.wamid is None and "opted out" in reminder.error_title


@pytest.mark.django_db(transaction=True)
def test_a_reply_queued_while_the_citizens_message_is_being_filed_is_not_held(numbers):
    """The window is read under the conversation's lock: a citizen's message filed at that very moment
    (which reopens the window) is seen, so the reply goes out instead of waiting behind a paid template."""
    import threading
    import time

    from django.db import connection, transaction

    citizen = Citizen.objects.create(wa_id="919811100022", language="hi")
    conversation = Conversation.objects.create(
        citizen=citizen, number=numbers[MAIN_NUMBER_ID], last_inbound_at=timezone.now() - timedelta(hours=30)
    )
    filing = threading.Event()

    def citizen_writes() -> None:
        try:
            with transaction.atomic():  # as filing and processing an inbound message do
                Conversation.objects.select_for_update().get(pk=conversation.pk)
                filing.set()
                time.sleep(0.5)
                Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now())
        finally:
            connection.close()

    writer = threading.Thread(target=citizen_writes)
    writer.start()
    filing.wait(5)
    reply = outbound.text(conversation=conversation, body="आपका प्रमाण पत्र तैयार है।")  # the stale copy says "closed"
    writer.join()

    reply.refresh_from_db()
    assert not reply.awaiting_window
    assert not Message.objects.filter(type="template").exists()
