"""Sending to citizens: the one gateway every app uses.

Callers say what to send (`text`, `buttons`, `menu`, `document`, `template`, ...); the gateway fits it to
Meta's limits (so no caller has to know them), writes the outbound Message row first (the outbox), and a
Celery task delivers it after commit. Delivery is at most once: a row is claimed (queued -> sending)
before the call, so a retried task never sends it again, and a send whose answer was lost becomes
"uncertain" for an officer to look at, never a second message. Outside the 24-hour window free-form
messages wait for the citizen's reply behind an approved template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.conversations.models import Citizen, Conversation, Message
from apps.core.db import execute_hot
from apps.departments.models import WhatsAppNumber

from . import pacing
from .client import GraphError, backend
from .services import CALLBACK_PREFIX

# Meta's limits (doc §2).
TEXT_MAX, BUTTON_BODY_MAX, HEADER_MAX, FOOTER_MAX = 4096, 1024, 60, 60
BUTTONS_MAX, BUTTON_TITLE_MAX, BUTTON_ID_MAX = 3, 20, 256
ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, ROW_ID_MAX, LIST_BUTTON_MAX, SECTION_TITLE_MAX = 10, 24, 72, 200, 20, 24
CAPTION_MAX = 1024
MORE_ROW = {"en": ("More options", "Next page"), "hi": ("और विकल्प", "अगला पेज")}


def fit(text: str, limit: int) -> str:
    """Cut to Meta's limit with an ellipsis rather than have Meta refuse the whole message."""
    text = " ".join(text.split()) if limit <= 72 else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    description: str = ""


def _language(conversation: Conversation) -> str:
    return conversation.citizen.language or "en"


# Why a message is sent. A citizen who opted out still gets replies and news of their own requests,
# never reminders or broadcasts.
REPLY, NOTIFICATION, REMINDER, BROADCAST = "reply", "notification", "reminder", "broadcast"
UNSOLICITED = {REMINDER, BROADCAST}


def _queue(conversation: Conversation, *, type: str, body: dict, gist: str, template: bool = False,
           purpose: str = REPLY) -> Message | None:  # fmt: skip
    """Write the outbound row and queue its delivery after commit (the caller's transaction, if any).

    None (nothing written) when the citizen opted out and this is a reminder or a broadcast.
    """
    from .tasks import outbound_send_task

    if purpose in UNSOLICITED and conversation.citizen.opted_out:
        return None
    with transaction.atomic():
        if not template:
            # The conversation's row is locked while we decide, as processing a citizen's message locks it
            # before releasing what waits: so a message held here cannot miss the release of a citizen's
            # message that arrives at the same moment, and the window is read as last committed.
            locked = Conversation.objects.select_for_update().filter(pk=conversation.pk)
            conversation.last_inbound_at = locked.values_list("last_inbound_at", flat=True).get()
        held = not template and not conversation.window_open()
        message = Message.objects.create(
            conversation=conversation, direction=Message.Direction.OUTBOUND, type=type, body=gist, payload=body,
            status=Message.Status.QUEUED, awaiting_window=held, purpose=purpose,
        )  # fmt: skip
        if held:
            reengagement_template_queue(conversation=conversation)
        else:
            transaction.on_commit(lambda: outbound_send_task.delay(message.pk), robust=True)
    return message


def reengagement_template_queue(*, conversation: Conversation) -> Message | None:
    """Ask a citizen outside the window to reply (an approved template), once while messages wait."""
    # One nudge a day at most: each is a paid template, and one reply releases everything held.
    waiting = conversation.messages.filter(
        direction=Message.Direction.OUTBOUND, type="template", created_at__gte=timezone.now() - timedelta(hours=24),
        payload__template__name=settings.WHATSAPP_REENGAGEMENT_TEMPLATE,
    ).exclude(status=Message.Status.FAILED)  # fmt: skip
    if waiting.exists():
        return None
    return template(conversation=conversation, name=settings.WHATSAPP_REENGAGEMENT_TEMPLATE, parameters=[])


def text(*, conversation: Conversation, body: str, reply_to: str = "", purpose: str = REPLY) -> Message | None:
    payload = {"type": "text", "text": {"body": fit(body, TEXT_MAX), "preview_url": False}}
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return _queue(conversation, type="text", body=payload, gist=payload["text"]["body"], purpose=purpose)


def buttons(*, conversation: Conversation, body: str, options: list[tuple[str, str]], header: str = "",
            footer: str = "", purpose: str = REPLY) -> Message | None:  # fmt: skip
    """Reply buttons: at most 3; titles of 20 characters, unique."""
    if not 1 <= len(options) <= BUTTONS_MAX:
        raise ValueError(f"WhatsApp shows 1 to {BUTTONS_MAX} reply buttons; use menu() for more")
    seen, rendered = set(), []
    for option_id, title in options:
        title = fit(title, BUTTON_TITLE_MAX)
        suffix = 1
        while title in seen:  # titles must be unique within a message
            suffix += 1
            title = fit(title, BUTTON_TITLE_MAX - len(str(suffix)) - 1) + f" {suffix}"
        seen.add(title)
        rendered.append({"type": "reply", "reply": {"id": option_id[:BUTTON_ID_MAX], "title": title}})
    interactive = {"type": "button", "body": {"text": fit(body, BUTTON_BODY_MAX)}, "action": {"buttons": rendered}}
    if header:
        interactive["header"] = {"type": "text", "text": fit(header, HEADER_MAX)}
    if footer:
        interactive["footer"] = {"text": fit(footer, FOOTER_MAX)}
    gist = interactive["body"]["text"] + "\n" + " | ".join(b["reply"]["title"] for b in rendered)
    return _queue(conversation, type="interactive", body={"type": "interactive", "interactive": interactive}, gist=gist,
                  purpose=purpose)  # fmt: skip


def menu(*, conversation: Conversation, body: str, button: str, rows: list[Row], page: int = 1, more_id: str = "",
         section_title: str = "", header: str = "", footer: str = "",
         purpose: str = REPLY) -> Message | None:  # fmt: skip
    """A list message. More than 10 rows are paged: 9 a page and a "more" row whose id is `more_id:<next page>`."""
    if not rows:
        raise ValueError("a list needs at least one row")
    per_page = ROWS_MAX if len(rows) <= ROWS_MAX else ROWS_MAX - 1
    start = (page - 1) * per_page
    shown = rows[start : start + per_page]
    rendered = [
        {"id": row.id[:ROW_ID_MAX], "title": fit(row.title, ROW_TITLE_MAX),
         **({"description": fit(row.description, ROW_DESCRIPTION_MAX)} if row.description else {})}
        for row in shown
    ]  # fmt: skip
    if start + per_page < len(rows):
        title, description = MORE_ROW[_language(conversation)]
        rendered.append({"id": f"{more_id or 'more'}:{page + 1}", "title": title, "description": description})
    section = {"rows": rendered}
    if section_title:
        section["title"] = fit(section_title, SECTION_TITLE_MAX)
    interactive = {
        "type": "list",
        "body": {"text": fit(body, TEXT_MAX)},
        "action": {"button": fit(button, LIST_BUTTON_MAX), "sections": [section]},
    }
    if header:
        interactive["header"] = {"type": "text", "text": fit(header, HEADER_MAX)}
    if footer:
        interactive["footer"] = {"text": fit(footer, FOOTER_MAX)}
    gist = interactive["body"]["text"] + "\n" + "\n".join(f"• {r['title']}" for r in rendered)
    return _queue(conversation, type="interactive", body={"type": "interactive", "interactive": interactive}, gist=gist,
                  purpose=purpose)  # fmt: skip


def link_button(*, conversation: Conversation, body: str, label: str, url: str, purpose: str = REPLY) -> Message | None:
    interactive = {
        "type": "cta_url",
        "body": {"text": fit(body, BUTTON_BODY_MAX)},
        "action": {"name": "cta_url", "parameters": {"display_text": fit(label, BUTTON_TITLE_MAX), "url": url}},
    }
    return _queue(conversation, type="interactive", body={"type": "interactive", "interactive": interactive}, gist=body,
                  purpose=purpose)  # fmt: skip


def media(*, conversation: Conversation, kind: str, media_id: str = "", link: str = "", caption: str = "",
          filename: str = "", purpose: str = REPLY) -> Message | None:  # fmt: skip
    """A document (PDF receipts and certificates) or an image, by uploaded media id or by link."""
    if kind not in {"document", "image"} or bool(media_id) == bool(link):
        raise ValueError("send a document or an image, by exactly one of media_id or link")
    item = {"id": media_id} if media_id else {"link": link}
    if caption:
        item["caption"] = fit(caption, CAPTION_MAX)
    if filename and kind == "document":
        item["filename"] = filename[:240]
    gist = caption or filename or kind
    return _queue(conversation, type=kind, body={"type": kind, kind: item}, gist=gist, purpose=purpose)


def template(*, conversation: Conversation, name: str, parameters: list[str], language: str = "",
             purpose: str = NOTIFICATION) -> Message | None:  # fmt: skip
    """An approved template, in the citizen's language; allowed outside the 24-hour window."""
    body = {"type": "template", "template": {"name": name, "language": {"code": language or _language(conversation)}}}
    if parameters:
        body["template"]["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": fit(p, 1024)} for p in parameters]}
        ]
    gist = f"[{name}] " + " | ".join(parameters)
    return _queue(conversation, type="template", body=body, gist=gist, template=True, purpose=purpose)


def message_hold_for_window(*, message: Message) -> None:
    """Meta refused a free-form message (131047: more than 24 hours since the citizen wrote): hold it and
    ask the citizen to reply with the approved template; their reply releases it."""
    if message.type == "template":  # a template refused for the window is Meta's error: flag it
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED, status_rank=Message.RANKS["failed"], error_code=131047, needs_attention=True
        )
        return
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.QUEUED, status_rank=0, awaiting_window=True, error_code=131047, wamid=None,
        updated_at=timezone.now(),
    )  # fmt: skip
    reengagement_template_queue(conversation=message.conversation)


def mark_read(*, message: Message) -> None:
    """Show the citizen blue ticks on their message (after commit, by a task: a call to Meta)."""
    from .tasks import mark_read_task

    if message.direction == Message.Direction.INBOUND and message.wamid:
        transaction.on_commit(lambda: mark_read_task.delay(message.pk), robust=True)


def mark_read_send(*, message_id: int) -> None:
    message = Message.objects.select_related("conversation__number").get(pk=message_id)
    backend().mark_read(message.conversation.number, message.wamid)


def held_messages_release(*, conversation: Conversation) -> int:
    """The citizen wrote again: the window is open, so send what waited for it."""
    from .tasks import outbound_send_task

    held = list(conversation.messages.filter(awaiting_window=True).values_list("pk", flat=True))
    Message.objects.filter(pk__in=held).update(
        awaiting_window=False, status=Message.Status.QUEUED, status_rank=0, updated_at=timezone.now()
    )
    transaction.on_commit(lambda: [outbound_send_task.delay(pk) for pk in held], robust=True)
    return len(held)


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
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", **claimed.payload,
            "biz_opaque_callback_data": f"{CALLBACK_PREFIX}{message_id}"}  # fmt: skip
    body.update({"to": claimed.wa_id} if claimed.wa_id else {"recipient": claimed.user_id})
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
