"""Conversations between citizens and a department's number: handing them to officers and back.

What arrives is filed by `inbound.py`, what is sent goes through `outbound.py`; the bot that answers
(`engine/`) stands above this module and is reached only by task name.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation

from . import outbound, texts
from .models import Conversation, Message


def conversation_handoff_request(*, conversation: Conversation, reason: str) -> None:
    """Pass a conversation to its department's officers: the bot goes quiet, and it shows in the admin's
    "waiting for an officer" filter until an officer takes it."""
    now = timezone.now()
    changes = {"mode": Conversation.Mode.HUMAN, "needs_attention": True, "handoff_reason": reason,
               "handoff_at": now, "assigned_officer": None, "held_since": None}  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(**changes, updated_at=now)
    for key, value in changes.items():
        setattr(conversation, key, value)


def conversation_handoff_withdraw(*, conversation: Conversation) -> None:
    """The citizen went back to the bot before any officer took the conversation."""
    Conversation.objects.filter(pk=conversation.pk, assigned_officer__isnull=True).update(
        mode=Conversation.Mode.BOT, needs_attention=False, updated_at=timezone.now()
    )
    conversation.mode, conversation.needs_attention = Conversation.Mode.BOT, False


def conversation_take(*, conversation_id: int, officer) -> Conversation:
    """An officer takes a conversation over from the bot (or from another officer): the bot stays silent
    until it is handed back."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        conversation.mode, conversation.assigned_officer = Conversation.Mode.HUMAN, officer
        conversation.needs_attention, conversation.held_since = False, timezone.now()
        if conversation.handoff_at is None:
            conversation.handoff_at = conversation.held_since
        conversation.save(update_fields=["mode", "assigned_officer", "needs_attention", "held_since", "handoff_at",
                                         "updated_at"])  # fmt: skip
    return conversation


def conversation_hand_back(*, conversation_id: int) -> bool:
    """An officer gives the conversation back to the bot, which tells the citizen. False if it was the bot's."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().select_related("citizen").get(pk=conversation_id)
        if conversation.mode == Conversation.Mode.BOT:
            return False
        conversation.mode, conversation.assigned_officer, conversation.held_since = Conversation.Mode.BOT, None, None
        conversation.needs_attention, conversation.failures = False, 0
        conversation.state, conversation.state_data = "menu", {}
        conversation.save(update_fields=["mode", "assigned_officer", "held_since", "needs_attention", "failures",
                                         "state", "state_data", "updated_at"])  # fmt: skip
        with translation.override(conversation.citizen.language or "en"):
            outbound.text(conversation=conversation, body=str(texts.HANDED_BACK), locked=True)
    return True


def inbound_messages_stuck(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> list[int]:
    """Inbound messages stored but not processed (broker down, worker killed), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        Message.objects.filter(direction=Message.Direction.INBOUND, processed_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
