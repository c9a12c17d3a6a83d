"""Citizens, their conversations and messages: storing what arrives, and processing it in order.

`inbound_message_store` runs inside the webhook's transaction and only writes; `inbound_message_process`
runs in a Celery task after commit. The conversation engine (issue 4) plugs into the latter.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.db import insert_ignoring_conflicts
from apps.departments.models import WhatsAppNumber

from .models import Citizen, Conversation, Message

logger = logging.getLogger(__name__)


def citizen_get_or_create(*, wa_id: str, user_id: str, name: str) -> Citizen:
    """The citizen with this WhatsApp number or BSUID; fills in whichever the row lacked (usernames, 2026)."""
    if wa_id and user_id:
        # Meta gives a new BSUID when a number passes to another person: the number's old holder keeps
        # their history under their BSUID, and the new holder starts afresh (never sees the old chats).
        Citizen.objects.filter(wa_id=wa_id).exclude(user_id="").exclude(user_id=user_id).update(wa_id="")
    lookup = Q(pk__in=[])
    if wa_id:
        lookup |= Q(wa_id=wa_id)
    if user_id:
        lookup |= Q(user_id=user_id)
    citizen = Citizen.objects.filter(lookup).order_by("pk").first()
    if citizen is None:
        try:
            with transaction.atomic():
                return Citizen.objects.create(wa_id=wa_id, user_id=user_id, name=name[:200])
        except IntegrityError:  # another webhook created them a moment ago
            citizen = Citizen.objects.filter(lookup).order_by("pk").first()
    changes = {}
    if user_id and not citizen.user_id:
        changes["user_id"] = user_id
    if wa_id and not citizen.wa_id:
        changes["wa_id"] = wa_id
    if name and name != citizen.name:
        changes["name"] = name[:200]
    if changes:
        try:
            with transaction.atomic():
                Citizen.objects.filter(pk=citizen.pk).update(**changes)
        except IntegrityError:
            # Another row already holds that number or BSUID (one person seen first by number, then by
            # username): keep both rows as they are; merging them is an officer's decision.
            logger.warning("Citizen %s: identity already held by another citizen; not merged", citizen.pk)
            return citizen
        for key, value in changes.items():
            setattr(citizen, key, value)
    return citizen


def conversation_get_or_create(*, citizen: Citizen, number: WhatsAppNumber) -> Conversation:
    conversation = Conversation.objects.filter(citizen=citizen, number=number).first()
    if conversation is None:
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(citizen=citizen, number=number)
        except IntegrityError:
            conversation = Conversation.objects.get(citizen=citizen, number=number)
    return conversation


def _conversation_for(*, number: WhatsAppNumber, wa_id: str, user_id: str, name: str) -> Conversation:
    """The citizen's conversation with this number: one query when nothing about them changed."""
    identity = Q(citizen__wa_id=wa_id) if wa_id else Q(citizen__user_id=user_id)
    conversation = Conversation.objects.select_related("citizen").filter(identity, number=number).first()
    if conversation is not None:
        citizen = conversation.citizen
        if (not user_id or citizen.user_id == user_id) and (not name or citizen.name == name[:200]):
            return conversation
    citizen = citizen_get_or_create(wa_id=wa_id, user_id=user_id, name=name)
    return conversation_get_or_create(citizen=citizen, number=number)


def inbound_message_store(
    *, number: WhatsAppNumber, wamid: str, wa_id: str, user_id: str, name: str, type: str, text: str,
    reply_id: str, context_wamid: str, sent_at: datetime, media: dict, payload: dict,
    aadhaar_hashes: dict | None = None,
) -> Message | None:  # fmt: skip
    """Store one message from a citizen once; None when it was stored before (Meta's retries).

    On the webhook's path: a handful of queries, no savepoints (the unique wamid settles duplicates).
    """
    conversation = _conversation_for(number=number, wa_id=wa_id, user_id=user_id, name=name)
    message = Message(
        conversation=conversation, direction=Message.Direction.INBOUND, type=type[:30], body=text,
        reply_id=reply_id[:256], payload=payload, wamid=wamid, context_wamid=context_wamid[:255], sent_at=sent_at,
        status=Message.Status.RECEIVED, media_id=str(media.get("id", ""))[:128],
        media_mime_type=str(media.get("mime_type", ""))[:100], aadhaar_hashes=aadhaar_hashes or {},
    )  # fmt: skip
    if insert_ignoring_conflicts(message) is None:
        return None
    # The 24-hour window runs from the citizen's latest message; Meta's order is not guaranteed.
    Conversation.objects.filter(pk=conversation.pk).filter(
        Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=sent_at)
    ).update(last_inbound_at=sent_at)
    return message


def inbound_message_process(*, message_id: int) -> bool:
    """Answer what a citizen sent: this message and every other unprocessed one of its conversation, in
    the order they were written (Meta's time, then arrival), each once.

    The conversation's row is locked first, so two workers never interleave one citizen's messages: the
    second waits, then finds them processed. A burst (three messages in one second) is handled in order by
    whichever worker gets the lock. Returns False when the message was already processed (the sweeper and
    Meta's retries may queue it again).
    """
    from apps.whatsapp.gateway import held_messages_release, mark_read

    conversation_id = Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    if conversation_id is None:
        return False
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("citizen", "number__department")
            .get(pk=conversation_id)
        )
        pending = list(
            conversation.messages.filter(direction=Message.Direction.INBOUND, processed_at__isnull=True)
            .order_by(F("sent_at").asc(nulls_last=True), "id")
            .select_for_update()
        )
        if message_id not in {message.pk for message in pending}:
            return False
        if conversation.window_open():
            held_messages_release(conversation=conversation)
        answering = engine_enabled()
        for message in pending:
            _inbound_one(conversation, message, answer=answering)
        if answering:
            mark_read(message=pending[-1])  # blue ticks on the last one mark all before it read
    return True


def engine_enabled() -> bool:
    """Whether the bot answers citizens (CONVERSATION_ENGINE_ENABLED, default on).

    Off, messages are still filed, their media fetched and held replies released; officers answer.
    """
    return settings.CONVERSATION_ENGINE_ENABLED


def _inbound_one(conversation: Conversation, message: Message, *, answer: bool) -> None:
    from apps.whatsapp.tasks import media_download_task

    from .engine import engine_handle

    if message.media_id and not message.media_file:
        transaction.on_commit(lambda pk=message.pk: media_download_task.delay(pk), robust=True)
    try:
        if answer:
            with transaction.atomic():
                engine_handle(conversation=conversation, message=message)
    except Exception:
        # One message the engine cannot answer must not block the citizen's next ones, nor come back
        # forever through the sweeper: it is marked processed and flagged for an officer.
        logger.exception("Conversation %s: message %s could not be answered", conversation.pk, message.pk)
        conversation.refresh_from_db()
        conversation.citizen.refresh_from_db()
        message.needs_attention = True
    message.processed_at = timezone.now()
    message.status = Message.Status.PROCESSED
    message.save(update_fields=["processed_at", "status", "needs_attention", "updated_at"])


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
    from django.utils import translation

    from apps.whatsapp import gateway

    from .engine import texts

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
            gateway.text(conversation=conversation, body=str(texts.HANDED_BACK))
    return True


def inbound_messages_stuck(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> list[int]:
    """Inbound messages stored but not processed (broker down, worker killed), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        Message.objects.filter(direction=Message.Direction.INBOUND, processed_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
