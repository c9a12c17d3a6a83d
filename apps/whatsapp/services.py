"""The WhatsApp channel: receiving webhooks (this module) and, in `gateway.py`, sending.

The webhook stores and acknowledges: `webhook_receive` writes the raw event and every message and status
it carries in one transaction, queues processing after commit, and calls nothing outside.
"""

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from apps.conversations.models import Message
from apps.conversations.services import inbound_message_store
from apps.core.db import insert_ignoring_conflicts
from apps.core.exceptions import ApplicationError
from apps.departments.models import WhatsAppNumber

from .models import StatusEvent, WebhookEvent
from .parsers import InboundMessage, ParsedWebhook, StatusUpdate, parse_webhook, payload_clean

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
    new_message_ids: list[int]
    duplicate: bool


def _store_message(number: WhatsAppNumber, message: InboundMessage) -> Message | None:
    return inbound_message_store(
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


def _event(body: bytes, stored_body: str, parsed: ParsedWebhook, numbers: dict, *, not_understood: bool = False):
    return WebhookEvent(
        body_sha256=hashlib.sha256(body).hexdigest(), body=stored_body,
        phone_number_ids=sorted(parsed.phone_number_ids),
        message_count=len(parsed.messages), status_count=len(parsed.statuses),
        not_understood=not_understood or bool(parsed.unknown),
        unknown_number=any(pid not in numbers for pid in parsed.phone_number_ids),
    )  # fmt: skip


def _store_all(event: WebhookEvent, parsed: ParsedWebhook, numbers: dict) -> WebhookReceipt:
    from apps.conversations.tasks import inbound_message_process_task

    with transaction.atomic():
        if insert_ignoring_conflicts(event) is None:
            return WebhookReceipt(event, [], duplicate=True)  # the very same POST again: all of it is stored
        new_ids = []
        # A fixed order (citizen, then wamid) so that two POSTs touching the same rows cannot deadlock.
        for message in sorted(parsed.messages, key=lambda m: (m.contact.wa_id, m.contact.user_id, m.wamid)):
            number = numbers.get(message.phone_number_id)
            if number is None:
                continue  # kept in the raw event, flagged for the state admin
            stored = _store_message(number, message)
            if stored is not None:
                new_ids.append(stored.pk)
        for update in sorted(parsed.statuses, key=lambda u: (u.wamid, Message.RANKS.get(u.status, 99))):
            status_apply(update)
        # robust: a broker that is down must not turn a stored POST into a 500; the sweeper queues it later.
        transaction.on_commit(lambda: [inbound_message_process_task.delay(pk) for pk in new_ids], robust=True)
    return WebhookReceipt(event, new_ids, duplicate=False)


def webhook_receive(*, body: bytes) -> WebhookReceipt:
    """Store a signed webhook POST and everything in it, once; queue new messages after commit.

    Whatever a validly signed POST holds, it is kept: if its updates cannot be stored (a deadlock twice
    over, a value the database refuses), the raw event alone is kept, flagged for the state admin, and the
    answer is still 200, so Meta does not retry the same bytes for 7 days.
    """
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedWebhook("The body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise MalformedWebhook("The body is not a JSON object.")
    payload = payload_clean(payload)
    stored_body = json.dumps(payload, ensure_ascii=False)
    parsed = parse_webhook(payload)
    numbers = _numbers(parsed.phone_number_ids)
    for attempt in range(3):
        try:
            return _store_all(_event(body, stored_body, parsed, numbers), parsed, numbers)
        except OperationalError:  # a deadlock or serialisation failure: the whole transaction can run again
            logger.warning("Webhook storage attempt %s failed; trying again", attempt + 1, exc_info=True)
        except DatabaseError:
            logger.exception("Webhook updates could not be stored; keeping the raw event only")
            break
    event = _event(body, stored_body, parsed, numbers, not_understood=True)
    event.message_count = event.status_count = 0
    insert_ignoring_conflicts(event)
    return WebhookReceipt(event, [], duplicate=False)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
