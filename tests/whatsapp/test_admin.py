"""Officers see the conversations of their own department's numbers; Meta's raw events stay state-wide."""

import pytest
from django.urls import reverse

from apps.departments.models import Officer
from tests.factories import make_officer
from tests.whatsapp.conftest import MAIN_NUMBER_ID, SECOND_NUMBER_ID

pytestmark = pytest.mark.django_db


def test_an_officer_sees_only_their_numbers_conversations(client, numbers, post_webhook):
    post_webhook("batch_mixed")  # messages to MCD's number and to Revenue's
    mcd_officer = make_officer(department=numbers[MAIN_NUMBER_ID].department)
    client.force_login(mcd_officer)

    messages = client.get(reverse("admin:conversations_message_changelist"))
    citizens = client.get(reverse("admin:conversations_citizen_changelist")).content.decode()
    events = client.get(reverse("admin:whatsapp_webhookevent_changelist"))

    body = messages.content.decode()
    assert messages.status_code == 200
    assert "income certificate ka status" in body and "Thank you ji" in body
    assert "पानी का बिल गलत आया है" not in body  # written to Revenue's number
    assert "918700123456" not in citizens  # Priya wrote only to Revenue's number
    assert "919876543210" in citizens
    assert events.status_code == 403


def test_messages_are_a_record_nobody_edits(client, numbers, post_webhook):
    from apps.conversations.models import Message

    post_webhook("text")
    client.force_login(make_officer(role=Officer.Role.STATE_ADMIN))
    message = Message.objects.get(direction="in")

    page = client.get(reverse("admin:conversations_message_change", args=[message.pk]))
    post = client.post(reverse("admin:conversations_message_change", args=[message.pk]), {"body": "edited"})

    assert page.status_code == 200 and "mujhe janm praman patra chahiye" in page.content.decode()
    assert post.status_code == 403
    assert SECOND_NUMBER_ID  # both numbers exist in this world
