from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.Model):
    """A validly signed webhook POST, stored once (Meta retries for 7 days; `body_sha256` is of the bytes
    as received). `body` is the JSON as received except that Aadhaar numbers a citizen typed are masked.

    Meta keeps no history, so this is the record of everything it told us; `unknown_number` and
    `not_understood` flag what the state admin should look at. The request stores the event and one
    `WebhookUpdate` per message and status; a task turns them into citizens, messages and statuses.
    """

    received_at = models.DateTimeField(_("received at"), db_default=Now(), db_index=True)
    body_sha256 = models.CharField(max_length=64, unique=True)
    body = models.TextField(_("body"))
    phone_number_ids = models.JSONField(_("phone number IDs"), default=list)
    message_count = models.PositiveIntegerField(_("messages"), default=0)
    status_count = models.PositiveIntegerField(_("statuses"), default=0)
    unknown_number = models.BooleanField(_("for an unknown number"), default=False, db_index=True)
    not_understood = models.BooleanField(_("has parts not understood"), default=False, db_index=True)
    # {last four digits: keyed hash} of the Aadhaar numbers masked in `body`: the number itself is never kept.
    aadhaar_hashes = models.JSONField(_("Aadhaar numbers masked (keyed hashes)"), default=dict, blank=True)
    # When processing was last queued: the sweeper re-queues only events whose turn is long past, not
    # those merely waiting in a busy queue.
    queued_at = models.DateTimeField(_("processing queued at"), db_default=Now())

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} · {self.message_count} messages, {self.status_count} statuses"


class WebhookUpdate(models.Model):
    """One message or status a webhook carried, keyed by Meta's ids, so that each is stored once however
    often, and in whatever batches, Meta sends it. `status` is empty for a citizen's message.

    Written by the webhook request in one multi-row INSERT; `processed_at` is set by the task that acts on
    it. Pending rows are what the sweeper looks for.
    """

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="updates")
    wamid = models.CharField(_("WhatsApp message ID"), max_length=255)
    status = models.CharField(_("status"), max_length=20, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook update")
        verbose_name_plural = _("webhook updates")
        constraints = [models.UniqueConstraint(fields=["wamid", "status"], name="webhook_update_once")]
        indexes = [
            models.Index(fields=["event"], condition=models.Q(processed_at__isnull=True), name="webhook_update_pending")
        ]

    def __str__(self) -> str:
        return f"{self.wamid[-12:]} {self.status or 'message'}"


class StatusEvent(models.Model):
    """One delivery status Meta reported for one of our messages; each (message, status) is kept once."""

    wamid = models.CharField(_("WhatsApp message ID"), max_length=255)
    status = models.CharField(_("status"), max_length=20)
    timestamp = models.DateTimeField(_("time on WhatsApp"))
    callback_data = models.CharField(_("our reference"), max_length=512, blank=True)
    error_code = models.PositiveIntegerField(_("error code"), null=True, blank=True)
    error_title = models.CharField(_("error"), max_length=300, blank=True)
    pricing_category = models.CharField(_("pricing category"), max_length=40, blank=True)
    raw = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        constraints = [models.UniqueConstraint(fields=["wamid", "status"], name="status_event_once")]

    def __str__(self) -> str:
        return f"{self.wamid[-12:]} {self.status}"
