"""Voice notes, with OpenAI configured: the file the channel downloaded (fetched now if it is not yet here)
is transcribed, and the transcript is stored as the message's text, marked as transcribed, so the engine
reads it as typed text and officers see what the citizen said. Any failure leaves the message as it was,
and the citizen gets the polite "please type" reply."""

from __future__ import annotations

import logging

from ..models import Message
from ..understanding.llm import llm_enabled, transcribe

logger = logging.getLogger(__name__)

VOICE_TYPES = {"audio"}


def voice_transcribe(*, message: Message) -> bool:
    """Transcribe one inbound voice note in place; True when `message.body` now holds its words."""
    if message.type not in VOICE_TYPES or message.transcribed or not llm_enabled() or not message.media_id:
        return False
    from apps.whatsapp.media import media_content

    content = media_content(message=message)  # a voice note is answered now, not after the download task's turn
    if content is None:
        return False
    name = message.media_file.name.rsplit("/", 1)[-1]
    text = transcribe(content, filename=name, mime_type=message.media_mime_type,
                      conversation_id=message.conversation_id)  # fmt: skip
    if not text:
        return False
    Message.objects.filter(pk=message.pk).update(body=text, transcribed=True)
    message.body, message.transcribed = text, True
    return True
