"""The WhatsApp channel: receiving webhooks (this module) and, in `gateway.py`, sending.

The webhook stores and acknowledges: `webhook_receive` writes the raw event and the key of every message
and status it carries in one transaction, queues processing after commit, and calls nothing outside.
`webhook_event_process`, in a task, then files the messages under citizens and applies the statuses.
"""

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from apps.conversations.models import Message
from apps.conversations.services import inbound_message_store
from apps.core.aadhaar import AADHAAR_RE, aadhaar_hashes_json, verhoeff_valid
from apps.core.db import insert_ignoring_conflicts, insert_with_rows_ignoring_conflicts
from apps.core.exceptions import ApplicationError
from apps.core.flags import flag_clear, flag_set
from apps.departments.models import WhatsAppNumber

from .models import StatusEvent, WebhookEvent, WebhookUpdate
from .parsers import InboundMessage, ParsedWebhook, StatusUpdate, parse_webhook, payload_clean, update_keys

logger = logging.getLogger(__name__)

CALLBACK_PREFIX = "outbound:"
CALLBACK_RE = re.compile(r"outbound:([0-9]{1,18})")
REENGAGEMENT_NEEDED = 131047


class MalformedWebhook(ApplicationError):
    pass


def webhook_signature_valid(*, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is an HMAC-SHA256 of the raw body with the app secret (checked before parsing)."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
    # Bytes, not str: compare_digest refuses non-ASCII strings, and an attacker chooses this header.
    return hmac.compare_digest(expected, header.removeprefix("sha256=").encode("utf-8", "replace"))


def webhook_verify_token_valid(*, token: str) -> bool:
    expected = settings.WHATSAPP_VERIFY_TOKEN
    return bool(expected) and hmac.compare_digest(expected.encode(), token.encode())


@dataclass
class WebhookReceipt:
    event: WebhookEvent
    new_updates: int
    duplicate: bool


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
        from .gateway import message_hold_for_window

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


def _stored_body(body: bytes, payload: dict) -> tuple[str, dict[str, str]]:
    """The body as received, unless cleaning changes it (an Aadhaar number typed, a NUL character); and
    the keyed hashes of the Aadhaar numbers masked in it.

    Most bodies need no cleaning, and the raw text shows it cheaply: no escape sequence (behind which a
    NUL, a lone surrogate or a Devanagari digit could hide) and no 12-digit run that passes Aadhaar's
    checksum. Only other bodies are walked value by value.
    """
    text = body.decode("utf-8", "replace")
    if "\\u" not in text and not any(
        verhoeff_valid(first + second + last) for first, _, second, last in AADHAAR_RE.findall(text)
    ):
        return text, {}
    cleaned = payload_clean(payload)
    if cleaned == payload:
        return text, {}
    return json.dumps(cleaned, ensure_ascii=False), aadhaar_hashes_json(payload)


def webhook_receive(*, body: bytes) -> WebhookReceipt:
    """Store a signed webhook POST and the key of every message and status in it, once; after commit,
    queue the task that acts on them (`webhook_event_process`).

    This is the whole of the request's work: one INSERT statement on PostgreSQL (two in a transaction
    elsewhere) and one enqueue. A broker that is down loses nothing: the sweeper queues what is pending.
    """
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedWebhook("The body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise MalformedWebhook("The body is not a JSON object.")
    keys = update_keys(payload)
    statuses = sum(1 for _, status in keys if status)
    stored, aadhaar_hashes = _stored_body(body, payload)
    event = WebhookEvent(
        body_sha256=hashlib.sha256(body).hexdigest(), body=stored, message_count=len(keys) - statuses,
        status_count=statuses, aadhaar_hashes=aadhaar_hashes,
    )  # fmt: skip
    # Safe to run twice (a retry on a fresh connection finds it stored): no health check round trip first.
    event_id, new = insert_with_rows_ignoring_conflicts(
        event, WebhookUpdate, "event", [{"wamid": wamid, "status": status} for wamid, status in keys], reconnect=True
    )
    if event_id is None:
        return WebhookReceipt(event, 0, duplicate=True)  # the very same POST again: all of it is stored
    # Queued even with nothing in it to file: processing also sets the flags the state admin filters on.
    # robust: a broker (or cache) that is down must not turn a stored POST into a 500.
    transaction.on_commit(lambda: _processing_queue(event_id, coalesce=bool(keys)), robust=True)
    return WebhookReceipt(event, new, duplicate=False)


DRAIN_FLAG = "webhook-drain-queued"
DRAIN_FLAG_SECONDS = 30


def _processing_queue(event_id: int, *, coalesce: bool) -> None:
    """Queue the processing of one stored event, after its commit.

    Where Redis is configured, POSTs coalesce: a request queues a drain only when none is waiting (a
    flag set with SET NX), and the drain clears the flag before it looks for pending events, so each
    event is either seen by a drain already queued or queues a new one. One Redis round trip replaces a
    Celery publish on most requests; under load several drains run side by side. Otherwise (the
    embedded default, no Redis), each event is queued on its own.
    """
    from .tasks import webhook_event_process_task, webhook_events_drain_task

    if not (coalesce and settings.WHATSAPP_WEBHOOK_COALESCE):
        webhook_event_process_task.delay(event_id)
        return
    try:
        wanted = flag_set(DRAIN_FLAG, seconds=DRAIN_FLAG_SECONDS)
    except RedisError:  # Redis is down: queue this event on its own rather than risk it waiting
        logger.warning("Redis unavailable; queuing webhook event %s on its own", event_id, exc_info=True)
        webhook_event_process_task.delay(event_id)
        return
    if wanted:
        try:
            webhook_events_drain_task.delay()
        except Exception:
            flag_clear(DRAIN_FLAG)  # the broker is down: let the next POST try again, not wait out the flag
            raise


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
    from apps.conversations.tasks import inbound_message_process_task

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
                transaction.on_commit(
                    lambda ids=new_ids: [inbound_message_process_task.delay(pk) for pk in ids], robust=True
                )
            return new_ids
        except OperationalError:  # a deadlock or serialisation failure: the whole transaction can run again
            logger.warning("Webhook event %s: attempt %s failed; trying again", event_id, attempt + 1, exc_info=True)
        except DatabaseError:
            logger.exception("Webhook event %s could not be stored as a whole; trying each update alone", event_id)
            break
    return _apply_one_by_one(event, parsed, numbers, pending_rows)


def _apply_one_by_one(event: WebhookEvent, parsed: ParsedWebhook, numbers: dict, pending_rows) -> list[int]:
    from apps.conversations.tasks import inbound_message_process_task

    new_ids = []
    for update in list(pending_rows):
        try:
            with transaction.atomic():
                new_ids += _apply(parsed, numbers, {(update.wamid, update.status)}, event.aadhaar_hashes)
        except DatabaseError:
            logger.exception("Webhook event %s: update %s could not be stored", event.pk, update.pk)
            WebhookEvent.objects.filter(pk=event.pk).update(not_understood=True)
        WebhookUpdate.objects.filter(pk=update.pk).update(processed_at=timezone.now())
    for pk in new_ids:
        transaction.on_commit(lambda pk=pk: inbound_message_process_task.delay(pk), robust=True)
    return new_ids


def webhook_events_stuck(*, older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> list[int]:
    """Events with updates still pending whose processing was queued long ago (broker down, worker
    killed); each is marked queued again, so that two sweepers, or a busy queue, do not queue it twice."""
    cutoff = timezone.now() - older_than
    candidates = (
        WebhookUpdate.objects.filter(processed_at__isnull=True, event__queued_at__lt=cutoff)
        .values_list("event_id", flat=True)
        .distinct()
        .order_by("event_id")[:limit]
    )
    claimed = []
    for event_id in candidates:
        if WebhookEvent.objects.filter(pk=event_id, queued_at__lt=cutoff).update(queued_at=timezone.now()):
            claimed.append(event_id)
    return claimed


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
