"""Citizens, their conversations and messages: storing what arrives, and processing it in order.

`inbound_message_store` runs inside the webhook's transaction and only writes; `inbound_message_process`
runs in a Celery task after commit. The conversation engine (issue 4) plugs into the latter.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
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
) -> Message | None:  # fmt: skip
    """Store one message from a citizen once; None when it was stored before (Meta's retries).

    On the webhook's path: a handful of queries, no savepoints (the unique wamid settles duplicates).
    """
    conversation = _conversation_for(number=number, wa_id=wa_id, user_id=user_id, name=name)
    message = Message(
        conversation=conversation, direction=Message.Direction.INBOUND, type=type[:30], body=text,
        reply_id=reply_id[:256], payload=payload, wamid=wamid, context_wamid=context_wamid[:255], sent_at=sent_at,
        status=Message.Status.RECEIVED, media_id=str(media.get("id", ""))[:128],
        media_mime_type=str(media.get("mime_type", ""))[:100],
    )  # fmt: skip
    if insert_ignoring_conflicts(message) is None:
        return None
    # The 24-hour window runs from the citizen's latest message; Meta's order is not guaranteed.
    Conversation.objects.filter(pk=conversation.pk).filter(
        Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=sent_at)
    ).update(last_inbound_at=sent_at)
    return message


def inbound_message_process(*, message_id: int) -> bool:
    """Process one stored message once (the sweeper and Meta's retries may queue it again).

    Returns False when it was already processed. Rows of one conversation are locked in turn, so two
    workers never interleave one citizen's messages.
    """
    from apps.whatsapp.gateway import held_messages_release
    from apps.whatsapp.tasks import media_download_task

    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("conversation").get(pk=message_id)
        if message.processed_at is not None:
            return False
        Conversation.objects.select_for_update().filter(pk=message.conversation_id).first()
        if message.media_id and not message.media_file:
            transaction.on_commit(lambda: media_download_task.delay(message.pk), robust=True)
        if message.conversation.window_open():
            held_messages_release(conversation=message.conversation)
        message.processed_at = timezone.now()
        message.status = Message.Status.PROCESSED
        message.save(update_fields=["processed_at", "status", "updated_at"])
    return True


def inbound_messages_stuck(*, older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> list[int]:
    """Inbound messages stored but not processed (broker down, worker killed), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        Message.objects.filter(direction=Message.Direction.INBOUND, processed_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
