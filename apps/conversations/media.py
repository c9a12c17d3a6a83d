"""Inbound media: downloaded promptly (Meta's webhook media ids expire after 7 days), checked against
Meta's sha256 and size, typed from the file's own bytes, and kept through django-storages."""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from apps.whatsapp.client import GraphError, MediaTooLarge, backend
from apps.whatsapp.media import sniff

from .models import Message

logger = logging.getLogger(__name__)


def media_download_failed(*, message_id: int, error: Exception) -> None:
    """The last retry failed too: the citizen's file is not here, and an officer must know."""
    Message.objects.filter(pk=message_id).update(
        needs_attention=True, error_title=f"Media not downloaded: {error}"[:300]
    )


def media_download(*, message_id: int) -> bool:
    """Fetch one message's media once. False when there was nothing to do or the file failed its checks."""
    message = Message.objects.select_related("conversation__number").get(pk=message_id)
    if not message.media_id or message.media_file:
        return False
    try:
        fetched = backend().media_fetch(
            message.conversation.number, message.media_id, max_bytes=settings.WHATSAPP_MEDIA_MAX_MB * 1024 * 1024
        )
    except MediaTooLarge as error:
        Message.objects.filter(pk=message.pk).update(needs_attention=True, error_title=f"Media: {error}"[:300])
        return False
    except GraphError as error:
        if error.retryable or error.code is None and error.reached_meta:
            raise
        Message.objects.filter(pk=message.pk).update(needs_attention=True, error_title=f"Media: {error}"[:300])
        return False
    problem = None
    if fetched.sha256 and hashlib.sha256(fetched.content).hexdigest() != fetched.sha256:
        problem = "the file does not match Meta's sha256"
    elif fetched.size and len(fetched.content) != fetched.size:
        problem = "the file is not the size Meta gave"
    if problem:
        Message.objects.filter(pk=message.pk).update(needs_attention=True, error_title=f"Media: {problem}")
        return False
    mime, extension = sniff(fetched.content)
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.media_file:
            return False
        message.media_file.save(f"{message.pk}.{extension}", ContentFile(fetched.content), save=False)
        message.media_mime_type = mime
        message.save(update_fields=["media_file", "media_mime_type", "updated_at"])
    return True


def media_content(*, message: Message, fetch: bool = True) -> bytes | None:
    """The bytes of a message's file, fetched now if the download task has not run yet and `fetch` (the
    engine fetches before it takes the conversation's lock, and reads with fetch=False). None when it
    cannot be had: Meta unreachable (the task retries), too big, or failing Meta's checks (flagged)."""
    if not message.media_id and not message.media_file:
        return None
    if not message.media_file and not fetch:
        return None
    if not message.media_file:
        try:
            media_download(message_id=message.pk)
        except Exception:
            logger.warning("Message %s: media not downloaded", message.pk, exc_info=True)
        message.refresh_from_db(fields=["media_file", "media_mime_type"])
        if not message.media_file:
            return None
    try:
        with message.media_file.open("rb") as file:
            return file.read()
    except OSError:
        logger.warning("Message %s: media file unreadable", message.pk, exc_info=True)
        return None
