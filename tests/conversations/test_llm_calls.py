"""Every call to the model is recorded (latency, tokens, outcome), and nothing a citizen wrote is kept."""

import pytest
from django.urls import reverse

from apps.conversations.models import LLMCall
from apps.conversations.understanding import understand
from tests.fakes.openai import Garbage, Slow, Status

UNSURE = "kuch samajh nahi aa raha bhai yeh wala kaam"


def test_a_good_answer_is_recorded_with_its_tokens(db, index, llm_settings, openai_fake):
    openai_fake.reply_with({"intent": "apply", "service": "REV-INCOME", "language": "hi"})

    understand("woh paise wala kagaz chahiye, aadhaar 2345 6789 0124", index=index, llm_always=True)

    [call] = LLMCall.objects.all()
    assert (call.kind, call.model, call.outcome, call.error) == ("understand", "fake-model", "ok", "")
    assert (call.prompt_tokens, call.completion_tokens) == (100, 10)
    assert call.latency_ms >= 0 and call.started_at is not None and call.conversation is None
    stored = " ".join(str(value) for value in LLMCall.objects.values().get().values())
    assert "paise" not in stored and "0124" not in stored


@pytest.mark.parametrize(
    ("reply", "outcome", "error"),
    [
        (Slow(3.0), "timeout", "APITimeoutError"),
        (Status(500), "error", "InternalServerError (HTTP 500)"),
        (Garbage("this is not json"), "invalid", ""),
    ],
    ids=["timeout", "server-error", "malformed"],
)
def test_a_failed_call_is_recorded_with_its_outcome(db, index, llm_settings, openai_fake, reply, outcome, error):
    openai_fake.reply_with(reply, reply)  # the client retries once

    result = understand(UNSURE, index=index, llm_always=True)

    assert result.source == "offline"
    [call] = LLMCall.objects.all()
    assert (call.kind, call.outcome, call.error) == ("understand", outcome, error)
    assert call.prompt_tokens is None or outcome == "invalid"


def test_the_conversation_of_a_call_is_kept(chat, llm_settings, openai_fake):
    phone = chat()
    phone.start("English")
    openai_fake.reply_with({"intent": "apply", "service": "REV-INCOME", "language": "en"})

    phone.send("xyzzy plugh qwerty")

    [call] = LLMCall.objects.all()
    assert call.conversation == phone.conversation and call.outcome == "ok"


def test_only_state_wide_users_see_the_calls(client, db, django_user_model, index, llm_settings, openai_fake):
    understand(UNSURE, index=index, llm_always=True)
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)

    listing = client.get(reverse("admin:conversations_llmcall_changelist"))
    change = client.get(reverse("admin:conversations_llmcall_change", args=[LLMCall.objects.get().pk]))

    assert listing.status_code == 200 and b"understand" in listing.content
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.get(reverse("admin:conversations_llmcall_add")).status_code == 403
