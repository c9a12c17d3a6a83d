"""What arrives from citizens, filed once: citizens, their conversations, messages and delivery statuses.

The channel (`apps.whatsapp`) stores each signed webhook POST and the key of every update in it, then hands
the event up by task name; `webhook_event_process` here turns it into citizens, conversations and `Message`
rows (each once, whatever Meta retries) and statuses that move our outbound rows forward, never back. Each
new message is then handed to the engine by task name (`ENGINE_TASK`): this floor never imports the bot.
"""

import json
import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.db import insert_ignoring_conflicts
from apps.core.flags import flag_clear
from apps.core.queue import task_queue
from apps.departments.models import WhatsAppNumber
from apps.whatsapp.models import StatusEvent, WebhookEvent, WebhookUpdate
from apps.whatsapp.parsers import InboundMessage, ParsedWebhook, StatusUpdate, parse_webhook
from apps.whatsapp.services import DRAIN_FLAG

from .delivery import CALLBACK_RE
from .models import Citizen, Conversation, Message
from .outbound import message_hold_for_window

logger = logging.getLogger(__name__)

ENGINE_TASK = "apps.conversations.engine.tasks.inbound_message_process_task"
REENGAGEMENT_NEEDED = 131047


def _engine_queue(message_ids: list[int]) -> None:
    """After commit, hand each new message to the engine (by task name: the bot stands above this floor)."""
    transaction.on_commit(lambda: [task_queue(ENGINE_TASK, pk) for pk in message_ids], robust=True)


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


def _store_message(number: WhatsAppNumber, message: InboundMessage, aadhaar_hashes: dict) -> Message | None:
    masked = {last: hashed for last, hashed in aadhaar_hashes.items() if f"XXXX{last}" in message.text.replace(" ", "")
              .replace("-", "")}  # fmt: skip
    return inbound_message_store(aadhaar_hashes=masked,
        number=number, wamid=message.wamid, wa_id=message.contact.wa_id, user_id=message.contact.user_id,
        name=message.contact.name, type=message.type, text=message.text, reply_id=message.reply_id,
        context_wamid=message.context_wamid, sent_at=message.timestamp, media=message.media, payload=message.raw,
    )  # fmt: skip


def status_apply(update: StatusUpdate) -> bool:
    """Record one status once and move our message forward, never back (read stays read). False if seen."""
    event = StatusEvent(
        wamid=update.wamid[:255], status=update.status[:20], timestamp=update.timestamp,
        callback_data=update.callback_data[:512], error_code=update.error_code, error_title=update.error_title[:300],
        pricing_category=update.pricing_category[:40], raw=update.raw,
    )  # fmt: skip
    if insert_ignoring_conflicts(event) is None:
        return False
    if match := CALLBACK_RE.fullmatch(update.callback_data):
        # Our row id rides in biz_opaque_callback_data: it links a send whose answer we never saved.
        Message.objects.filter(pk=int(match.group(1)), wamid__isnull=True).update(wamid=update.wamid[:255])
    rank = Message.RANKS.get(update.status)
    if rank is None:
        return True
    ours = Message.objects.filter(wamid=update.wamid[:255], direction=Message.Direction.OUTBOUND, status_rank__lt=rank)
    if update.status == Message.Status.FAILED and update.error_code == REENGAGEMENT_NEEDED:
        # Meta often reports a closed window only here: hold the message behind the approved template.
        for message in ours.select_related("conversation__citizen"):
            message_hold_for_window(message=message)
        return True
    changes = {"status": update.status, "status_rank": rank, "updated_at": timezone.now()}
    if update.pricing_category:
        changes["pricing_category"] = update.pricing_category[:40]
    if update.status == Message.Status.FAILED:
        changes.update(error_code=update.error_code, error_title=update.error_title[:300], needs_attention=True)
    ours.update(**changes)
    return True


_NUMBERS: dict[str, tuple[float, WhatsAppNumber]] = {}
NUMBER_CACHE_SECONDS = 60.0


def _numbers(phone_number_ids: set[str]) -> dict[str, WhatsAppNumber]:
    """Active department numbers by Meta's id. Known numbers are remembered for a minute in this process
    (one query less on every webhook); an unknown id is always looked up again."""
    now = time.monotonic()
    found = {
        pid: hit[1] for pid in phone_number_ids if (hit := _NUMBERS.get(pid)) and now - hit[0] < NUMBER_CACHE_SECONDS
    }
    missing = phone_number_ids - found.keys()
    if missing:
        for number in WhatsAppNumber.objects.filter(phone_number_id__in=missing, is_active=True):
            _NUMBERS[number.phone_number_id] = (now, number)
            found[number.phone_number_id] = number
    return found


def webhook_events_drain(*, batch: int = 100, limit: int = 10_000) -> int:
    """Process every event with pending updates, oldest first, until none is left (or `limit`); how many
    events this drain processed. Drains running side by side share the work: each event's pending updates
    are locked with SKIP LOCKED, so a drain passes over what another is doing."""
    if settings.WHATSAPP_WEBHOOK_COALESCE:
        flag_clear(DRAIN_FLAG)  # first: a POST committed from now on queues a new drain
    done = 0
    while done < limit:
        event_ids = list(
            WebhookUpdate.objects.filter(processed_at__isnull=True)
            .order_by("event_id")
            .values_list("event_id", flat=True)
            .distinct()[:batch]
        )
        if not event_ids:
            break
        progress = 0
        for event_id in event_ids:
            if webhook_event_process(event_id=event_id, skip_locked=True) is not None:
                progress += 1
        done += progress
        if progress == 0:
            break  # everything pending is in other drains' hands
    return done


def _flags(event: WebhookEvent, parsed: ParsedWebhook, numbers: dict) -> None:
    event.phone_number_ids = sorted(parsed.phone_number_ids)
    event.unknown_number = any(pid not in numbers for pid in parsed.phone_number_ids)
    event.not_understood = event.not_understood or bool(parsed.unknown)
    WebhookEvent.objects.filter(pk=event.pk).update(
        phone_number_ids=event.phone_number_ids, unknown_number=event.unknown_number,
        not_understood=event.not_understood,
    )  # fmt: skip
    if event.unknown_number:
        logger.warning("Webhook event %s is for a phone number ID we do not know", event.pk)


def _apply(parsed: ParsedWebhook, numbers: dict, pending: set[tuple[str, str]], aadhaar_hashes: dict) -> list[int]:
    """Store the pending messages and apply the pending statuses of one event; the ids of new messages."""
    new_ids = []
    # A fixed order (citizen, then wamid) so that two tasks touching the same rows cannot deadlock.
    for message in sorted(parsed.messages, key=lambda m: (m.contact.wa_id, m.contact.user_id, m.wamid)):
        number = numbers.get(message.phone_number_id)
        if number is None or (message.wamid, "") not in pending:
            continue  # an unknown number's messages stay in the raw event, flagged for the state admin
        stored = _store_message(number, message, aadhaar_hashes)
        if stored is not None:
            new_ids.append(stored.pk)
    for update in sorted(parsed.statuses, key=lambda u: (u.wamid, Message.RANKS.get(u.status, 99))):
        if (update.wamid[:255], update.status[:20]) in pending:
            status_apply(update)
    return new_ids


def webhook_event_process(*, event_id: int, skip_locked: bool = False) -> list[int] | None:
    """Turn what a stored webhook event carried into citizens, conversations, messages and statuses, once;
    queue each new message's processing after commit. Returns the new messages' ids, or None when
    `skip_locked` and another worker holds every pending update.

    Safe to run twice and side by side (the sweeper, a redelivered task, drains): the pending updates are
    locked and marked processed in the same transaction. If the batch cannot be stored as a whole (a value
    the database refuses), each update is tried alone, and the event is flagged for the state admin.
    """
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if event is None:
        return []
    parsed = parse_webhook(json.loads(event.body))
    numbers = _numbers(parsed.phone_number_ids)
    _flags(event, parsed, numbers)
    pending_rows = WebhookUpdate.objects.filter(event_id=event_id, processed_at__isnull=True)
    new_ids: list[int] = []
    for attempt in range(3):
        try:
            with transaction.atomic():
                locked = list(pending_rows.select_for_update(skip_locked=skip_locked).only("wamid", "status"))
                if skip_locked and not locked and pending_rows.exists():
                    return None
                new_ids = _apply(parsed, numbers, {(u.wamid, u.status) for u in locked}, event.aadhaar_hashes)
                WebhookUpdate.objects.filter(pk__in=[u.pk for u in locked]).update(processed_at=timezone.now())
                _engine_queue(new_ids)
            return new_ids
        except OperationalError:  # a deadlock or serialisation failure: the whole transaction can run again
            logger.warning("Webhook event %s: attempt %s failed; trying again", event_id, attempt + 1, exc_info=True)
        except DatabaseError:
            logger.exception("Webhook event %s could not be stored as a whole; trying each update alone", event_id)
            break
    return _apply_one_by_one(event, parsed, numbers, pending_rows)


def _apply_one_by_one(event: WebhookEvent, parsed: ParsedWebhook, numbers: dict, pending_rows) -> list[int]:
    new_ids = []
    for update in list(pending_rows):
        try:
            with transaction.atomic():
                new_ids += _apply(parsed, numbers, {(update.wamid, update.status)}, event.aadhaar_hashes)
        except DatabaseError:
            logger.exception("Webhook event %s: update %s could not be stored", event.pk, update.pk)
            WebhookEvent.objects.filter(pk=event.pk).update(not_understood=True)
        WebhookUpdate.objects.filter(pk=update.pk).update(processed_at=timezone.now())
    _engine_queue(new_ids)
    return new_ids
