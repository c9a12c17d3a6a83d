"""The WhatsApp channel: receiving webhooks (this module) and, in `gateway.py`, sending.

The webhook stores and acknowledges: `webhook_receive` writes the raw event and every message and status
it carries in one transaction, queues processing after commit, and calls nothing outside.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from apps.conversations.models import Message
from apps.conversations.services import inbound_message_store
from apps.core.db import insert_ignoring_conflicts
from apps.core.exceptions import ApplicationError
from apps.departments.models import WhatsAppNumber

from .models import StatusEvent, WebhookEvent
from .parsers import InboundMessage, StatusUpdate, parse_webhook

CALLBACK_PREFIX = "outbound:"


class MalformedWebhook(ApplicationError):
    pass


def webhook_signature_valid(*, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is an HMAC-SHA256 of the raw body with the app secret (checked before parsing)."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


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
    if update.callback_data.startswith(CALLBACK_PREFIX):
        # Our row id rides in biz_opaque_callback_data: it links a send whose answer we never saved.
        row_id = update.callback_data.removeprefix(CALLBACK_PREFIX)
        if row_id.isdigit():
            Message.objects.filter(pk=int(row_id), wamid__isnull=True).update(wamid=update.wamid)
    rank = Message.RANKS.get(update.status)
    if rank is None:
        return True
    changes = {"status": update.status, "status_rank": rank}
    if update.pricing_category:
        changes["pricing_category"] = update.pricing_category
    if update.status == Message.Status.FAILED:
        changes.update(error_code=update.error_code, error_title=update.error_title[:300], needs_attention=True)
    Message.objects.filter(wamid=update.wamid, direction=Message.Direction.OUTBOUND, status_rank__lt=rank).update(
        **changes
    )
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


def webhook_receive(*, body: bytes) -> WebhookReceipt:
    """Store a signed webhook POST and everything in it, once; queue new messages after commit."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook("The body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise MalformedWebhook("The body is not a JSON object.")
    from apps.conversations.tasks import inbound_message_process_task

    parsed = parse_webhook(payload)
    numbers = _numbers(parsed.phone_number_ids)
    event = WebhookEvent(
        body_sha256=hashlib.sha256(body).hexdigest(), body=body.decode(),
        phone_number_ids=sorted(parsed.phone_number_ids),
        message_count=len(parsed.messages), status_count=len(parsed.statuses), not_understood=bool(parsed.unknown),
        unknown_number=any(pid not in numbers for pid in parsed.phone_number_ids),
    )  # fmt: skip
    with transaction.atomic():
        if insert_ignoring_conflicts(event) is None:
            return WebhookReceipt(event, [], duplicate=True)  # the very same POST again: all of it is stored
        new_ids = []
        for message in parsed.messages:
            number = numbers.get(message.phone_number_id)
            if number is None:
                continue  # kept in the raw event, flagged for the state admin
            stored = _store_message(number, message)
            if stored is not None:
                new_ids.append(stored.pk)
        for update in parsed.statuses:
            status_apply(update)
        transaction.on_commit(lambda: [inbound_message_process_task.delay(pk) for pk in new_ids])
    return WebhookReceipt(event, new_ids, duplicate=False)
