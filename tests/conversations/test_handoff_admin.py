"""Officers take a conversation over from the bot and hand it back, from the conversations admin."""

import pytest
from django.urls import reverse

from apps.conversations.models import Conversation
from apps.departments.models import Officer
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


def _act(client, action: str, conversation: Conversation):
    url = reverse("admin:conversations_conversation_changelist")
    return client.post(url, {"action": action, "_selected_action": [conversation.pk]}, follow=True)


def test_an_officer_sees_the_waiting_conversation_takes_it_and_hands_it_back(client, chat):
    phone = chat()
    phone.start("English")
    phone.send("talk to an officer")
    conversation = phone.conversation
    officer = make_officer(department=conversation.number.department)
    client.force_login(officer)

    waiting = client.get(reverse("admin:conversations_conversation_changelist"), {"needs_attention__exact": "1"})
    assert waiting.status_code == 200 and str(conversation.citizen) in waiting.content.decode()

    _act(client, "take_over", conversation)
    conversation.refresh_from_db()
    assert conversation.assigned_officer == officer and conversation.held_since and not conversation.needs_attention
    assert phone.send("menu") == []  # held: the bot stays quiet, even for "menu"

    _act(client, "hand_back", conversation)
    conversation.refresh_from_db()
    assert conversation.mode == Conversation.Mode.BOT and conversation.assigned_officer is None
    [told] = phone.replies()
    assert told.text.startswith("The officer has finished. You are back with the assistant")
    [menu] = phone.send("menu")
    assert "Certificates" in menu.titles


def test_auditors_cannot_take_conversations(client, chat):
    phone = chat()
    phone.start("English")
    phone.send("talk to an officer")
    client.force_login(make_officer(role=Officer.Role.AUDITOR))

    page = client.get(reverse("admin:conversations_conversation_changelist"))

    assert page.status_code == 200 and "take_over" not in page.content.decode()
    _act(client, "take_over", phone.conversation)
    assert phone.conversation.assigned_officer is None and phone.conversation.needs_attention


def test_another_departments_officer_cannot_see_the_conversation(client, chat):
    from apps.departments.models import Department

    phone = chat()
    phone.start("English")
    phone.send("talk to an officer")
    client.force_login(make_officer(department=Department.objects.get(code="REV")))

    page = client.get(reverse("admin:conversations_conversation_changelist"))

    assert str(phone.conversation.citizen) not in page.content.decode()
