from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.departments.models import WhatsAppNumber

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


class Citizen(TimeStampedModel):
    """A person who wrote to a department number, known by their WhatsApp identity.

    From 2026 a citizen with a username may arrive with `wa_id` empty and only `user_id` (the BSUID), so
    either may be empty but not both, and each is unique when present.
    """

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        HINDI = "hi", "हिंदी"

    wa_id = models.CharField(_("WhatsApp number"), max_length=20, blank=True)
    user_id = models.CharField(_("WhatsApp user ID (BSUID)"), max_length=256, blank=True)
    name = models.CharField(_("profile name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    consent_version = models.CharField(_("consent notice version"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    # Writing STOP withdraws consent (DPDP Act 2023, s. 6(4)) and opts out: consent_at is cleared so that
    # nothing proceeds until the citizen agrees again; this keeps when it was withdrawn.
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    opted_out_at = models.DateTimeField(_("opted out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        constraints = [
            models.UniqueConstraint(fields=["wa_id"], condition=~Q(wa_id=""), name="citizen_wa_id_unique"),
            models.UniqueConstraint(fields=["user_id"], condition=~Q(user_id=""), name="citizen_user_id_unique"),
            models.CheckConstraint(condition=~Q(wa_id="") | ~Q(user_id=""), name="citizen_has_an_identity"),
        ]

    def __str__(self) -> str:
        return self.name or (f"+{self.wa_id}" if self.wa_id else self.user_id[:20])

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Conversation(TimeStampedModel):
    """A citizen's thread with one department number: its 24-hour window, who is answering, and where the
    bot's state machine stands (`state` and `state_data`, so a restart resumes mid-conversation).

    Handoff: `mode` is "human" from the moment the citizen is passed to officers; `needs_attention` is set
    while nobody has taken it, and `assigned_officer` / `held_since` once an officer holds it.
    """

    class Mode(models.TextChoices):
        BOT = "bot", _("Bot")
        HUMAN = "human", _("Officer")

    class HandoffReason(models.TextChoices):
        ASKED = "asked", _("The citizen asked for an officer")
        NOT_UNDERSTOOD = "not_understood", _("The bot did not understand")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="conversations")
    number = models.ForeignKey(WhatsAppNumber, on_delete=models.PROTECT, related_name="conversations")
    mode = models.CharField(_("answered by"), max_length=5, choices=Mode.choices, default=Mode.BOT)
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    last_inbound_at = models.DateTimeField(_("last message from the citizen"), null=True, blank=True)
    state = models.CharField(_("bot state"), max_length=30, default="new")
    state_data = models.JSONField(_("bot state data"), default=dict, blank=True)
    failures = models.PositiveSmallIntegerField(_("messages not understood in a row"), default=0)
    needs_attention = models.BooleanField(_("waiting for an officer"), default=False, db_index=True)
    handoff_reason = models.CharField(_("handed to officers because"), max_length=20, blank=True,
                                      choices=HandoffReason.choices)  # fmt: skip
    handoff_at = models.DateTimeField(_("handed to officers at"), null=True, blank=True)
    held_since = models.DateTimeField(_("held by the officer since"), null=True, blank=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [models.UniqueConstraint(fields=["citizen", "number"], name="conversation_unique_per_number")]
        permissions = [("handle_conversation", _("Can take over conversations from the bot and hand them back"))]

    def __str__(self) -> str:
        return f"{self.citizen} ↔ {self.number.display_number}"

    @property
    def window_closes_at(self):
        return self.last_inbound_at + CUSTOMER_SERVICE_WINDOW if self.last_inbound_at else None

    def window_open(self, at=None) -> bool:
        """Meta allows free-form messages only within 24 hours of the citizen's last message."""
        closes = self.window_closes_at
        return closes is not None and (at or timezone.now()) < closes


class Message(TimeStampedModel):
    """One message either way. An outbound row is written before anything is sent (the outbox), so the
    dashboard, retries and audits see every message; the send task and status webhooks then move it on."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the citizen")
        OUTBOUND = "out", _("To the citizen")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        UNCERTAIN = "uncertain", _("Sent? (no answer from Meta)")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        PLAYED = "played", _("Played")
        FAILED = "failed", _("Failed")

    # Statuses only move forward (Meta keeps no order): an update applies only to a lower rank.
    # "failed" outranks "sent" (Meta accepts a send, then reports it failed) but not "delivered".
    RANKS = {"queued": 0, "sending": 1, "uncertain": 2, "sent": 3, "failed": 4, "delivered": 5, "read": 6, "played": 7}

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    type = models.CharField(_("type"), max_length=30)
    body = models.TextField(_("text"), blank=True)
    reply_id = models.CharField(_("button or row ID"), max_length=256, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    wamid = models.CharField(_("WhatsApp message ID"), max_length=255, null=True, blank=True, unique=True)
    context_wamid = models.CharField(_("in reply to"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("time on WhatsApp"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    status_rank = models.PositiveSmallIntegerField(default=0)
    error_code = models.PositiveIntegerField(_("error code"), null=True, blank=True)
    error_title = models.CharField(_("error"), max_length=300, blank=True)
    pricing_category = models.CharField(_("pricing category"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    needs_attention = models.BooleanField(_("needs attention"), default=False, db_index=True)
    # Outside the 24-hour window a free-form message waits: a template asks the citizen to reply, and
    # their next message releases it.
    awaiting_window = models.BooleanField(_("waiting for the citizen's reply"), default=False)
    # Why we sent it (gateway.REPLY, NOTIFICATION, REMINDER, BROADCAST): checked again at send time, so
    # a citizen who opts out while a reminder waits never gets it.
    purpose = models.CharField(_("purpose"), max_length=12, default="reply")
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    media_id = models.CharField(_("media ID"), max_length=128, blank=True)
    media_file = models.FileField(_("file"), upload_to="whatsapp/%Y/%m/", blank=True)
    media_mime_type = models.CharField(_("file type"), max_length=100, blank=True)
    # A voice note the model transcribed: `body` then holds the transcript (Aadhaar masked).
    transcribed = models.BooleanField(_("transcribed voice note"), default=False)
    # {last four digits: keyed hash} of each Aadhaar number masked in what the citizen typed, so a form's
    # Aadhaar answer can still be matched across applications.
    aadhaar_hashes = models.JSONField(_("Aadhaar numbers masked (keyed hashes)"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_timeline"),
            models.Index(
                fields=["created_at"],
                condition=Q(direction="in", processed_at__isnull=True),
                name="message_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.type}: {self.body[:40]}"


class LLMCall(models.Model):
    """One call to the OpenAI-compatible model, successful or not: its kind, latency, tokens and outcome,
    so the state IT admin sees what the model costs and how often it fails. No prompt, no citizen text."""

    class Kind(models.TextChoices):
        UNDERSTAND = "understand", _("Understand a message")
        ANSWER = "answer", _("Answer a question")
        TRANSCRIBE = "transcribe", _("Transcribe a voice note")

    class Outcome(models.TextChoices):
        OK = "ok", _("Answered")
        TIMEOUT = "timeout", _("Timed out")
        ERROR = "error", _("Failed")
        INVALID = "invalid", _("Unusable answer")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    model = models.CharField(_("model"), max_length=100)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"))
    prompt_tokens = models.PositiveIntegerField(_("prompt tokens"), null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(_("completion tokens"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    # The exception's class and HTTP status only: an SDK's message may quote what was sent.
    error = models.CharField(_("error"), max_length=200, blank=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="llm_calls"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("model call")
        verbose_name_plural = _("model calls")

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome} {self.latency_ms} ms"
