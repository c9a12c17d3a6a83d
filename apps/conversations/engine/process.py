"""Answering what a citizen sent: each message once, in the order written, never two workers at once for
one citizen, never a network call under the conversation's lock, and never silence.

`inbound_message_process` is the engine's entry point, queued by name for each message the floor files.
Each message is one transaction: the conversation's row is locked, the earliest unanswered message is
answered (`engine_handle`) and marked processed, and the lock is let go before the next; a burst of three
messages is answered in order by whichever worker holds the lock. A turn that needs another system stops
and is run again once the call is made with no lock held (`calls.py`).
"""

from __future__ import annotations

import logging
import traceback

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from ..media import media_download
from ..models import Conversation, Message
from ..outbound import held_messages_release, mark_read
from ..outbound import text as text_send
from . import texts
from .calls import CallNeeded, call_run, outside_lock, results_release, results_use
from .core import engine_handle

logger = logging.getLogger(__name__)

MAX_MESSAGES = 50  # a task answers at most this many of one burst; the rest have their own tasks


def engine_enabled() -> bool:
    """Whether the bot answers citizens (CONVERSATION_ENGINE_ENABLED, default on).

    Off, messages are still filed, their media fetched and held replies released; officers answer.
    """
    return settings.CONVERSATION_ENGINE_ENABLED


def inbound_message_process(*, message_id: int) -> bool:
    """Answer this message and every earlier unanswered one of its conversation, each once, in the order
    they were written (Meta's time, then arrival). False when the message was already answered (the
    sweeper and Meta's retries may queue it again)."""
    answered, released = False, False
    results: dict[int, dict] = {}  # per message: what its calls gave, for the rerun of its turn
    for _ in range(MAX_MESSAGES * 5):
        try:
            done = _answer_next(message_id, results, release=not released)
        except CallNeeded as need:
            call_run(need, results[need.message_id])  # no transaction open, no lock held
            continue
        released = True
        if done is None:
            break
        results.pop(done, None)
        answered = answered or done == message_id
        if done == message_id:
            break
    return answered


def _answer_next(message_id: int, results: dict[int, dict], *, release: bool) -> int | None:
    """Lock the conversation of this message, answer its earliest unanswered message and mark it
    processed; that message's id, or None when nothing is left (or there is no such message)."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("citizen", "number__department")
            .filter(messages__pk=message_id)
            .first()
        )
        if conversation is None:
            return None
        pending = list(
            conversation.messages.filter(direction=Message.Direction.INBOUND, processed_at__isnull=True)
            .order_by(F("sent_at").asc(nulls_last=True), "id")
            .select_for_update(of=("self",))[:2]
        )
        if not pending:
            return None
        message = pending[0]
        if release and conversation.window_open():
            held_messages_release(conversation=conversation)
        token = results_use(results.setdefault(message.pk, {}))
        try:
            _prefetch(message)
            _answer(conversation, message)
        except CallNeeded as need:
            need.message_id = message.pk
            raise
        finally:
            results_release(token)
        if len(pending) == 1:
            mark_read(message=message)  # blue ticks on the last one mark all before it read
    return message.pk


def _prefetch(message: Message) -> None:
    """A file is fetched from Meta before the turn reads it, outside the lock (`calls.py`)."""
    if message.media_id and not message.media_file:
        outside_lock(f"media:{message.pk}", lambda: _download(message.pk))
        message.refresh_from_db(fields=["media_file", "media_mime_type"])


def _download(message_id: int) -> bool:
    try:
        return media_download(message_id=message_id)
    except Exception:  # Meta unreachable: the download task retries; the turn answers without the file
        logger.warning("Message %s: media not downloaded", message_id, exc_info=True)
        return False


def _answer(conversation: Conversation, message: Message) -> None:
    """One message through the engine; a failure gets the citizen an apology and an officer's attention."""
    from ..tasks import media_download_task

    if message.media_id and not message.media_file:
        transaction.on_commit(lambda pk=message.pk: media_download_task.delay(pk), robust=True)
    if engine_enabled():
        try:
            with transaction.atomic():
                engine_handle(conversation=conversation, message=message)
        except CallNeeded:
            raise
        except Exception as error:
            _failed(conversation, message, error)
    message.processed_at = timezone.now()
    message.status = Message.Status.PROCESSED
    message.save(update_fields=["processed_at", "status", "needs_attention", "updated_at"])


def _failed(conversation: Conversation, message: Message, error: Exception) -> None:
    """The engine could not answer: one message must not block the citizen's next ones, nor come back forever
    through the sweeper. It is kept and flagged, and the citizen hears that an officer will look at it."""
    # The conversation id and where it failed; never the text, which may hold personal data.
    logger.error(
        "Conversation %s: message %s could not be answered (%s)\n%s", conversation.pk, message.pk,
        type(error).__name__, "".join(traceback.format_tb(error.__traceback__)),
    )  # fmt: skip
    conversation.refresh_from_db()
    conversation.citizen.refresh_from_db()
    message.needs_attention = True
    Conversation.objects.filter(pk=conversation.pk).update(needs_attention=True)
    first = conversation.citizen.language or "hi"
    parts = []
    for language in (first, "en" if first == "hi" else "hi"):
        with translation.override(language):
            parts.append(str(texts.ENGINE_FAILED))
    text_send(conversation=conversation, body="\n\n".join(parts), locked=True)
