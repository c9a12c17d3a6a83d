"""Delivering the outbox: one queued outbound Message to Meta, at most once.

A row is claimed (queued -> sending) and committed before the call, so a retried task never sends it
again; a send whose answer was lost becomes "uncertain" for an officer, never a second message. Meta's
transient errors put the row back for a retry; a closed window holds it behind the approved template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.core.db import execute_hot
from apps.departments.models import WhatsAppNumber
from apps.whatsapp import compose, pacing
from apps.whatsapp.client import GraphError, backend

from .models import Citizen, Conversation, Message
from .outbound import UNSOLICITED, message_hold_for_window

# Our row id rides in biz_opaque_callback_data: a status webhook links a send whose answer we never saved.
CALLBACK_PREFIX = "outbound:"
CALLBACK_RE = re.compile(r"outbound:([0-9]{1,18})")


@dataclass
class DeliveryResult:
    sent: bool
    retry_in: float | None = None  # seconds, when Meta asked us to try later


@dataclass(frozen=True)
class _Claimed:
    """What sending a claimed message needs, read in the same round trip as the claim."""

    message_id: int
    payload: dict
    purpose: str
    number: WhatsAppNumber
    wa_id: str
    user_id: str
    opted_out: bool


def _claim_sql() -> str:
    m, c, z, n = (model._meta.db_table for model in (Message, Conversation, Citizen, WhatsAppNumber))
    return (
        f"WITH claimed AS (UPDATE {m} SET status = %s, status_rank = %s, attempts = attempts + 1, updated_at = %s "
        f"WHERE id = %s AND direction = %s AND status = %s AND NOT awaiting_window "
        f"RETURNING id, payload, purpose, conversation_id) "
        f"SELECT claimed.id, claimed.payload, claimed.purpose, n.id, n.phone_number_id, n.display_number, "
        f"n.access_token_encrypted, z.wa_id, z.user_id, z.opted_out_at IS NOT NULL "
        f"FROM claimed JOIN {c} c ON c.id = claimed.conversation_id JOIN {z} z ON z.id = c.citizen_id "
        f"JOIN {n} n ON n.id = c.number_id"
    )


def _claim(message_id: int) -> _Claimed | None:
    """Mark a queued message "sending" (committed before anything is sent: at most once) and read what
    sending it needs; None if it is not queued (already sent, being sent, uncertain, held or failed).

    On PostgreSQL one prepared statement, an UPDATE ... RETURNING joined to the conversation, citizen and
    number; elsewhere the same through the ORM in two queries.
    """
    sending = (Message.Status.SENDING, Message.RANKS["sending"], timezone.now())
    if connection.vendor == "postgresql":
        row = execute_hot(_claim_sql(), [*sending, message_id, Message.Direction.OUTBOUND, Message.Status.QUEUED])
    else:
        status, rank, now = sending
        claimed = Message.objects.filter(
            pk=message_id, direction=Message.Direction.OUTBOUND, status=Message.Status.QUEUED, awaiting_window=False
        ).update(status=status, status_rank=rank, attempts=F("attempts") + 1, updated_at=now)
        row = claimed and Message.objects.filter(pk=message_id).values_list(
            "pk", "payload", "purpose", "conversation__number__pk", "conversation__number__phone_number_id",
            "conversation__number__display_number", "conversation__number__access_token_encrypted",
            "conversation__citizen__wa_id", "conversation__citizen__user_id", "conversation__citizen__opted_out_at",
        ).first()  # fmt: skip
    if not row:
        return None
    pk, payload, purpose, number_pk, phone_number_id, display, token, wa_id, user_id, opted_out = row
    number = WhatsAppNumber(
        pk=number_pk, phone_number_id=phone_number_id, display_number=display, access_token_encrypted=token
    )
    payload = json.loads(payload) if isinstance(payload, str) else payload
    return _Claimed(pk, payload, purpose, number, wa_id, user_id, bool(opted_out))


def outbound_deliver(*, message_id: int) -> DeliveryResult:
    """Send one queued outbound message at most once; say whether (and when) to try again.

    Two round trips to the database on the way: the claim, and the record of Meta's answer."""
    claimed = _claim(message_id)
    if claimed is None:
        return DeliveryResult(sent=False)
    if claimed.purpose in UNSOLICITED and claimed.opted_out:
        Message.objects.filter(pk=message_id).update(
            status=Message.Status.FAILED, status_rank=Message.RANKS["failed"], error_title="The citizen opted out."
        )
        return DeliveryResult(sent=False)
    body = compose.envelope(claimed.payload, wa_id=claimed.wa_id, user_id=claimed.user_id,
                            callback_data=f"{CALLBACK_PREFIX}{message_id}")  # fmt: skip
    pacing.pace(number_id=claimed.number.pk, rate=settings.WHATSAPP_MAX_MPS)
    try:
        wamid = backend().send(claimed.number, body)
    except GraphError as error:
        message = Message.objects.select_related("conversation__citizen").get(pk=message_id)
        return _delivery_failed(message, error)
    _sent_record(message_id, wamid)
    return DeliveryResult(sent=True)


def _sent_record(message_id: int, wamid: str) -> None:
    """One UPDATE after Meta accepted a message: its wamid, unless a status webhook (which carries our row
    id) linked it first, and "sent", unless such a webhook already moved it further on. Plain SQL: the
    ORM's version of these CASEs cost more to build than to run."""
    sent = Message.RANKS["sent"]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    execute_hot(
        f"UPDATE {Message._meta.db_table} SET wamid = COALESCE(wamid, %s), "
        "status = CASE WHEN status_rank < %s THEN %s ELSE status END, "
        "sent_at = CASE WHEN status_rank < %s THEN %s ELSE sent_at END, "
        "status_rank = CASE WHEN status_rank < %s THEN %s ELSE status_rank END, updated_at = %s WHERE id = %s",
        [wamid[:255], sent, Message.Status.SENT, sent, now, sent, sent, now, message_id],
    )


def _delivery_failed(message: Message, error: GraphError) -> DeliveryResult:
    sending = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING)
    if error.retryable and message.attempts < 6:
        sending.update(status=Message.Status.QUEUED, status_rank=0, error_code=error.code, error_title=str(error)[:300])
        # Meta: after a pair rate limit (131056) wait 4^X seconds; other transient errors back off too.
        return DeliveryResult(sent=False, retry_in=float(4 ** (message.attempts - 1)) if error.code == 131056 else
                              float(min(2 ** message.attempts, 300)))  # fmt: skip
    if error.code is None and error.reached_meta:
        # Meta may have sent it and we lost the answer: never send twice; the status webhook, which carries
        # our row id, will settle it, and an officer sees it meanwhile.
        sending.update(status=Message.Status.UNCERTAIN, status_rank=Message.RANKS["uncertain"],
                       error_title=str(error)[:300], needs_attention=True)  # fmt: skip
        return DeliveryResult(sent=False)
    if error.code == 131047:  # the window closed after we queued it: hold it behind the template
        message_hold_for_window(message=message)
        return DeliveryResult(sent=False)
    sending.update(status=Message.Status.FAILED, status_rank=Message.RANKS["failed"], error_code=error.code,
                   error_title=(f"{error} {error.details}".strip())[:300], needs_attention=True)  # fmt: skip
    return DeliveryResult(sent=False)


def outbound_stuck_settle(*, older_than_minutes: int = 10) -> int:
    """Rows left in "sending" by a killed worker: we cannot know if Meta got them, so flag, never resend."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return Message.objects.filter(status=Message.Status.SENDING, updated_at__lt=cutoff).update(
        status=Message.Status.UNCERTAIN, status_rank=Message.RANKS["uncertain"], needs_attention=True
    )


def outbound_queued_stuck(*, older_than_minutes: int = 5, limit: int = 500) -> list[int]:
    """Queued rows whose task never ran (the broker was down when they were queued): send them now.

    Safe: a row is claimed before it is sent, so one queued twice is still sent once."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return list(
        Message.objects.filter(
            direction=Message.Direction.OUTBOUND, status=Message.Status.QUEUED, awaiting_window=False,
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)[:limit]
    )  # fmt: skip


def mark_read_send(*, message_id: int) -> None:
    message = Message.objects.select_related("conversation__number").get(pk=message_id)
    backend().mark_read(message.conversation.number, message.wamid)
