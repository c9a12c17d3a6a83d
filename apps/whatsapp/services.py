"""The WhatsApp channel's receiving end: a signed webhook POST stored and acknowledged, nothing more.

`webhook_receive` checks nothing outside and calls nothing outside: it writes the raw event and the key of
every message and status it carries in one statement, then, after commit, hands the event up to the
conversation floor by task name (`apps.conversations.inbound` files it). Sending is `compose.py` (Meta's
JSON) and `client.py` (the only module that calls Meta).
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from apps.core.aadhaar import AADHAAR_RE, aadhaar_hashes_json, verhoeff_valid
from apps.core.db import insert_with_rows_ignoring_conflicts
from apps.core.exceptions import ApplicationError
from apps.core.flags import flag_clear, flag_set
from apps.core.queue import task_queue

from .models import WebhookEvent, WebhookUpdate
from .parsers import payload_clean, update_keys

logger = logging.getLogger(__name__)

# The conversation floor files stored events; the channel hands them up by task name, never by import.
EVENT_TASK = "apps.conversations.tasks.webhook_event_process_task"
DRAIN_TASK = "apps.conversations.tasks.webhook_events_drain_task"


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
    if not (coalesce and settings.WHATSAPP_WEBHOOK_COALESCE):
        task_queue(EVENT_TASK, event_id)
        return
    try:
        wanted = flag_set(DRAIN_FLAG, seconds=DRAIN_FLAG_SECONDS)
    except RedisError:  # Redis is down: queue this event on its own rather than risk it waiting
        logger.warning("Redis unavailable; queuing webhook event %s on its own", event_id, exc_info=True)
        task_queue(EVENT_TASK, event_id)
        return
    if wanted:
        try:
            task_queue(DRAIN_TASK)
        except Exception:
            flag_clear(DRAIN_FLAG)  # the broker is down: let the next POST try again, not wait out the flag
            raise


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
