"""Voice notes, with OpenAI configured: the file downloaded before the turn took the lock is transcribed
outside the lock, and the transcript is stored as the message's text, marked as transcribed, so the
engine reads it as typed text and officers see what the citizen said. Any failure leaves the message as
it was, and the citizen gets the polite "please type" reply."""

from __future__ import annotations

import logging

from ..media import media_content
from ..models import Message
from ..understanding.llm import llm_enabled, transcribe
from .calls import outside_lock

logger = logging.getLogger(__name__)

VOICE_TYPES = {"audio"}


def voice_transcribe(*, message: Message) -> bool:
    """Transcribe one inbound voice note in place; True when `message.body` now holds its words."""
    if message.type not in VOICE_TYPES or message.transcribed or not llm_enabled() or not message.media_id:
        return False
    content = media_content(message=message, fetch=False)  # fetched before the lock was taken
    if content is None:
        return False
    name = message.media_file.name.rsplit("/", 1)[-1]
    mime, conversation_id = message.media_mime_type, message.conversation_id
    text = outside_lock(
        f"transcribe:{message.pk}",
        lambda: transcribe(content, filename=name, mime_type=mime, conversation_id=conversation_id),
    )
    if not text:
        return False
    Message.objects.filter(pk=message.pk).update(body=text, transcribed=True)
    message.body, message.transcribed = text, True
    return True
