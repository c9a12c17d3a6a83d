"""The outbox: everything sent to a citizen is an outbound Message row first, delivered by a task.

Callers say what to send (`text`, `buttons`, `menu`, `link_button`, `media`, `template`); the channel
(`apps.whatsapp.compose`) fits it to Meta's limits, this module writes the row, and `delivery.py` sends it
after commit, at most once. Outside the 24-hour window free-form messages wait for the citizen's reply
behind one approved template; the citizen's next message releases them.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.whatsapp import compose
from apps.whatsapp.compose import Row

from .models import Conversation, Message

__all__ = ["Row", "buttons", "link_button", "media", "menu", "template", "text"]

# Why a message is sent. A citizen who opted out still gets replies and news of their own requests,
# never reminders or broadcasts.
REPLY, NOTIFICATION, REMINDER, BROADCAST = "reply", "notification", "reminder", "broadcast"
UNSOLICITED = {REMINDER, BROADCAST}


def _language(conversation: Conversation) -> str:
    return conversation.citizen.language or "en"


def _queue(conversation: Conversation, composed: compose.Composed, *, purpose: str = REPLY,
           locked: bool = False) -> Message | None:  # fmt: skip
    """Write the outbound row and queue its delivery after commit (the caller's transaction, if any).

    None (nothing written) when the citizen opted out and this is a reminder or a broadcast. `locked`:
    the caller already holds the conversation's row lock (the engine does), so its window is current.
    """
    from .tasks import outbound_send_task

    if purpose in UNSOLICITED and conversation.citizen.opted_out:
        return None
    template = composed.type == "template"
    # No savepoint: a reply that cannot be written fails the caller's transaction, as it should.
    with transaction.atomic(savepoint=False):
        if not template and not locked:
            # The conversation's row is locked while we decide, as processing a citizen's message locks it
            # before releasing what waits: so a message held here cannot miss the release of a citizen's
            # message that arrives at the same moment, and the window is read as last committed.
            rows = Conversation.objects.select_for_update().filter(pk=conversation.pk)
            conversation.last_inbound_at = rows.values_list("last_inbound_at", flat=True).get()
        held = not template and not conversation.window_open()
        message = Message.objects.create(
            conversation=conversation, direction=Message.Direction.OUTBOUND, type=composed.type, body=composed.gist,
            payload=composed.payload, status=Message.Status.QUEUED, awaiting_window=held, purpose=purpose,
        )  # fmt: skip
        message.choices = composed.choices
        if held:
            reengagement_template_queue(conversation=conversation)
        else:
            transaction.on_commit(lambda: outbound_send_task.delay(message.pk), robust=True)
    return message


def text(*, conversation: Conversation, body: str, reply_to: str = "", purpose: str = REPLY,
         locked: bool = False) -> Message | None:  # fmt: skip
    return _queue(conversation, compose.text(body=body, reply_to=reply_to), purpose=purpose, locked=locked)


def buttons(*, conversation: Conversation, body: str, options: list[tuple[str, str]], header: str = "",
            footer: str = "", purpose: str = REPLY, locked: bool = False) -> Message | None:  # fmt: skip
    composed = compose.buttons(body=body, options=options, header=header, footer=footer)
    return _queue(conversation, composed, purpose=purpose, locked=locked)


def menu(*, conversation: Conversation, body: str, button: str, rows: list[Row], page: int = 1, more_id: str = "",
         section_title: str = "", header: str = "", footer: str = "", purpose: str = REPLY,
         locked: bool = False) -> Message | None:  # fmt: skip
    composed = compose.menu(
        body=body, button=button, rows=rows, language=_language(conversation), page=page, more_id=more_id,
        section_title=section_title, header=header, footer=footer,
    )  # fmt: skip
    return _queue(conversation, composed, purpose=purpose, locked=locked)


def link_button(*, conversation: Conversation, body: str, label: str, url: str, purpose: str = REPLY,
                locked: bool = False) -> Message | None:  # fmt: skip
    return _queue(conversation, compose.link_button(body=body, label=label, url=url), purpose=purpose, locked=locked)


def media(*, conversation: Conversation, kind: str, media_id: str = "", link: str = "", caption: str = "",
          filename: str = "", purpose: str = REPLY, locked: bool = False) -> Message | None:  # fmt: skip
    composed = compose.media(kind=kind, media_id=media_id, link=link, caption=caption, filename=filename)
    return _queue(conversation, composed, purpose=purpose, locked=locked)


def template(*, conversation: Conversation, name: str, parameters: list[str], language: str = "",
             purpose: str = NOTIFICATION) -> Message | None:  # fmt: skip
    """An approved template, in the citizen's language; allowed outside the 24-hour window."""
    composed = compose.template(name=name, parameters=parameters, language=language or _language(conversation))
    return _queue(conversation, composed, purpose=purpose)


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


def held_messages_release(*, conversation: Conversation) -> int:
    """The citizen wrote again: the window is open, so send what waited for it."""
    from .tasks import outbound_send_task

    held = list(conversation.messages.filter(awaiting_window=True).values_list("pk", flat=True))
    if not held:
        return 0
    Message.objects.filter(pk__in=held).update(
        awaiting_window=False, status=Message.Status.QUEUED, status_rank=0, updated_at=timezone.now()
    )
    transaction.on_commit(lambda: [outbound_send_task.delay(pk) for pk in held], robust=True)
    return len(held)


def mark_read(*, message: Message) -> None:
    """Show the citizen blue ticks on their message (after commit, by a task: a call to Meta)."""
    from .tasks import mark_read_task

    if message.direction == Message.Direction.INBOUND and message.wamid:
        transaction.on_commit(lambda: mark_read_task.delay(message.pk), robust=True)
