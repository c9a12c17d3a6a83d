from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.conversations.models import Citizen, Conversation, Message
from apps.core.models import TimeStampedModel
from apps.core.sla import sla_compensation, sla_days_late, sla_days_left
from apps.services.models import Service


class Application(TimeStampedModel):
    """A citizen's application for one service: the answers and documents given in the chat, where it
    stands (`state`, moved only by `services.application_transition`), and its statutory clock.

    A draft is an application too (state "draft"), saved after every answer, so a citizen who comes back
    hours later continues where they stopped. Its reference is given when it is submitted.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PAYMENT_PENDING = "payment_pending", _("Waiting for payment")
        SUBMITTED = "submitted", _("Submitted")
        FORWARDED = "forwarded", _("Sent to the department's portal")
        UNDER_REVIEW = "under_review", _("Under review")
        DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Draft expired")

    # States in which the department owes the citizen an answer: the statutory clock runs.
    OPEN = (State.SUBMITTED, State.FORWARDED, State.UNDER_REVIEW, State.DOCUMENTS_REQUESTED, State.APPROVED)
    CLOSED = (State.REJECTED, State.ISSUED, State.CANCELLED, State.EXPIRED)

    reference = models.CharField(_("reference"), max_length=12, null=True, blank=True, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("service"))  # fmt: skip
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="applications",
                                verbose_name=_("citizen"))  # fmt: skip
    # The thread the citizen applied on: updates go back on the same department number.
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="applications")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    # {field key: value}; Aadhaar numbers only masked ("XXXX XXXX 1234"), their keyed hash below.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    aadhaar_hash = models.CharField(_("Aadhaar (keyed hash)"), max_length=64, blank=True, db_index=True,
                                    editable=False)  # fmt: skip
    language = models.CharField(_("language"), max_length=2, default="en")
    fee = models.DecimalField(_("fee (₹)"), max_digits=10, decimal_places=2, default=0)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_date = models.DateField(_("due by"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Copied from the service when the clock starts, so a later change to the service does not rewrite
    # what a citizen is owed.
    compensation_per_day = models.PositiveIntegerField(_("compensation a day (₹)"), default=10)
    compensation_cap = models.PositiveIntegerField(_("compensation cap (₹)"), default=200)
    # What the officer asked for: the document slots and a note; the citizen's next uploads land there.
    requested_documents = models.JSONField(_("documents requested"), default=list, blank=True)
    officer_note = models.TextField(_("note to the citizen"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    assigned_officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="applications", verbose_name=_("officer"))  # fmt: skip
    portal_reference = models.CharField(_("portal reference"), max_length=100, null=True, blank=True, unique=True)
    portal_status = models.CharField(_("portal status"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["state", "due_date"], name="application_queue")]
        constraints = [
            # Only what was submitted has a reference (a draft cancelled or expired never had one).
            models.CheckConstraint(
                condition=Q(state__in=["draft", "cancelled", "expired"]) | Q(reference__isnull=False),
                name="application_reference_once_submitted",
            ),  # fmt: skip
            # One draft per citizen and service: coming back continues it rather than starting another.
            models.UniqueConstraint(
                fields=["citizen", "service"], condition=Q(state="draft"), name="application_one_draft_per_service"
            ),  # fmt: skip
        ]
        permissions = [("process_application", _("Can request documents, approve, reject and issue applications"))]

    def __str__(self) -> str:
        return self.reference or f"draft {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN

    def days_late(self, on: date | None = None) -> int:
        """Days past the due date: until today while open, until it was closed once closed."""
        if self.state in (self.State.CANCELLED, self.State.EXPIRED):
            return 0
        if self.closed_at is not None:
            on = timezone.localdate(self.closed_at)
        return sla_days_late(due_date=self.due_date, on=on or timezone.localdate())

    def days_left(self, on: date | None = None) -> int | None:
        if self.due_date is None or not self.is_open:
            return None
        return sla_days_left(due_date=self.due_date, on=on or timezone.localdate())

    def compensation(self, on: date | None = None) -> int:
        """Rupees owed for the delay (Delhi (Right of Citizen to Time Bound Delivery of Services) Act, 2011)."""
        return sla_compensation(days_late=self.days_late(on), per_day=self.compensation_per_day,
                                cap=self.compensation_cap)  # fmt: skip


class ApplicationDocument(TimeStampedModel):
    """One file a citizen sent for a document slot of an application, after it passed the checks."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    slot = models.CharField(_("document"), max_length=50)
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveSmallIntegerField(_("pages"), default=1)
    # The WhatsApp message it came in: one message is one file, attached once.
    message = models.OneToOneField(Message, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="application_document")  # fmt: skip
    # Sent after an officer asked for it.
    requested = models.BooleanField(_("sent on request"), default=False)

    class Meta:
        ordering = ["application", "slot", "created_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.slot} ({self.content_type})"


class ApplicationTransition(models.Model):
    """Every change of an application's state: who, when, from and to, and the note given."""

    class Actor(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        OFFICER = "officer", _("Officer")
        PORTAL = "portal", _("Department portal")
        SYSTEM = "system", _("govchat")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=20, choices=Application.State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=Application.State.choices)
    actor = models.CharField(_("by"), max_length=10, choices=Actor.choices)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="application_transitions", verbose_name=_("officer"))  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    # The citizen's WhatsApp update about this change, sent once (the task may run twice).
    notify = models.BooleanField(_("citizen told"), default=True)
    notified_at = models.DateTimeField(_("update queued at"), null=True, blank=True)
    notified_message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name=_("update sent"))  # fmt: skip

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"


class Certificate(TimeStampedModel):
    """The document issued for an application, as a PDF, with the token its QR code verifies by.

    `lines` keeps exactly what is printed, so the public verify page shows that and nothing more.
    """

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    file = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/")
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="certificates_issued")  # fmt: skip
    lines = models.JSONField(_("printed details"), default=list)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("why revoked"), blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.number


# Department portals: the outbox of applications to them, and the status callbacks they send
# (apps/portals/ has the connections and connectors).


class PortalSubmission(TimeStampedModel):
    """The outbox row of an application going to a department portal: it waits here (with retries and
    backoff) until the portal has it, so a portal that is down never loses an application.

    The idempotency key (the application's reference) goes with every attempt, so a retry after a lost
    answer gives the same portal reference instead of a second application on the portal.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Needs an officer")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="portal_submission",
                                       verbose_name=_("application"))  # fmt: skip
    connector = models.CharField(_("connector"), max_length=20, choices=Service.Connector.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    portal_reference = models.CharField(_("portal reference"), max_length=100, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_polled_at = models.DateTimeField(_("status last asked at"), null=True, blank=True)
    # The citizen is told once that the portal is down and the application waits (not at every retry).
    queued_notice_at = models.DateTimeField(_("citizen told it waits"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("portal submission")
        verbose_name_plural = _("portal submissions (outbox)")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="portal_submission_due")]

    def __str__(self) -> str:
        return self.idempotency_key


class PortalCallbackEvent(models.Model):
    """A status callback a portal sent, kept once per event id: a replay finds it and changes nothing."""

    connector = models.CharField(_("connector"), max_length=20, choices=Service.Connector.choices)
    event_id = models.CharField(_("event id"), max_length=100)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="portal_events",
                                    verbose_name=_("application"))  # fmt: skip
    portal_status = models.CharField(_("portal status"), max_length=100)
    to_state = models.CharField(_("moved to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("portal callback")
        verbose_name_plural = _("portal callbacks")
        constraints = [models.UniqueConstraint(fields=["connector", "event_id"], name="portal_event_once")]

    def __str__(self) -> str:
        return f"{self.connector} {self.event_id}"
