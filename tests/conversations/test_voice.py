"""Voice notes through the real webhook path: with OpenAI configured they are downloaded, transcribed by the
fake's /v1/audio/transcriptions and understood like typed text; otherwise the polite "please type" reply."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.conversations.models import LLMCall, Message
from apps.simulator.simulator import message_item
from tests.fakes.openai import Slow, Status

OGG = b"OggS\x00\x02" + bytes(200)
TEXT_ONLY = "For now only typed messages and button taps can be read."


def voice_post(phone, *, stored: bool = True) -> Message:
    """The citizen records a voice note: the outbox backend serves it from simulator/<id>, as Meta would."""
    media_id = f"sim-{uuid.uuid4()}"
    if stored:
        default_storage.save(f"simulator/{media_id}", ContentFile(OGG))
    body = {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": True}
    phone.items_post([message_item(phone.number, phone.phone, "audio", body)])
    return Message.objects.get(media_id=media_id)


def test_a_voice_note_is_transcribed_and_answered_like_text(chat, llm_settings, openai_fake):
    phone = chat()
    phone.start("English")
    openai_fake.transcribe_with("mujhe janm praman patra chahiye, aadhaar 2345 6789 0124")

    message = voice_post(phone)

    card, next_step = phone.replies()
    assert card.text.startswith("*Birth certificate*") and next_step.buttons
    assert message.transcribed and message.body == "mujhe janm praman patra chahiye, aadhaar XXXX XXXX 0124"
    assert message.media_file and message.media_mime_type == "audio/ogg"
    [sent] = openai_fake.transcriptions
    assert (sent["model"], sent["size"]) == ("whisper-1", len(OGG)) and sent["filename"].endswith(".ogg")
    [call] = LLMCall.objects.all()
    assert (call.kind, call.outcome, call.model, call.conversation) == ("transcribe", "ok", "whisper-1",
                                                                        phone.conversation)  # fmt: skip


def test_a_transcribed_hindi_voice_note_is_answered_in_hindi(chat, llm_settings, openai_fake):
    phone = chat()
    phone.start("हिंदी")
    openai_fake.transcribe_with("मेरी पेंशन कब आएगी")

    voice_post(phone)

    replies = phone.replies()
    assert replies and not replies[0].text.startswith("अभी सिर्फ़ लिखे हुए संदेश")
    assert Message.objects.get(type="audio").body == "मेरी पेंशन कब आएगी"


def test_a_failed_transcription_gets_the_polite_reply(chat, llm_settings, openai_fake):
    phone = chat()
    phone.start("English")
    openai_fake.transcribe_with(Status(500), Status(500))  # the client retries once

    message = voice_post(phone)

    [reply] = phone.replies()
    assert reply.text.startswith(TEXT_ONLY)
    assert not message.transcribed and message.body == ""
    assert LLMCall.objects.get().outcome == "error"


def test_a_transcription_that_times_out_gets_the_polite_reply(chat, llm_settings, openai_fake):
    phone = chat()
    phone.start("English")
    openai_fake.transcribe_with(Slow(3.0, "too late"), Slow(3.0, "too late"))

    voice_post(phone)

    [reply] = phone.replies()
    assert reply.text.startswith(TEXT_ONLY)
    assert LLMCall.objects.get().outcome == "timeout"


def test_a_voice_note_whose_file_cannot_be_fetched_gets_the_polite_reply(chat, llm_settings, openai_fake):
    phone = chat()
    phone.start("English")

    message = voice_post(phone, stored=False)

    [reply] = phone.replies()
    assert reply.text.startswith(TEXT_ONLY)
    assert openai_fake.transcriptions == [] and not message.transcribed
    assert message.needs_attention  # officers know the citizen's file is missing


def test_without_a_key_nothing_is_sent_to_the_model(chat, settings, openai_fake):
    settings.OPENAI_API_KEY, settings.OPENAI_ENABLED, settings.OPENAI_BASE_URL = None, False, openai_fake.base_url
    phone = chat()
    phone.start("English")

    voice_post(phone)

    [reply] = phone.replies()
    assert reply.text.startswith(TEXT_ONLY)
    assert openai_fake.transcriptions == [] and not LLMCall.objects.exists()


def test_a_voice_note_before_consent_is_not_sent_to_the_model(chat, llm_settings, openai_fake):
    phone = chat()
    phone.send("hi")

    voice_post(phone)

    assert openai_fake.transcriptions == []
