from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.applications.models import Application
from apps.conversations.models import Citizen, Conversation
from apps.core.formatting import rupees
from apps.core.models import TimeStampedModel
from apps.services.models import Service


class Payment(TimeStampedModel):
    """One payment a citizen is asked to make: an application's fee, a tax demand, a water bill or a challan.

    Money is an integer number of paise, never a float. `state` moves only through `services`: created (the
    row exists), pending (a checkout link is out), then paid, failed, expired or refunded. One application
    or one demand has at most one live payment (a partial unique constraint): a second attempt while one
    is pending reuses it, and a demand can never be paid twice through govchat.
    """

    class State(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Link expired")
        REFUNDED = "refunded", _("Refunded")

    class Purpose(models.TextChoices):
        APPLICATION_FEE = "application_fee", _("Application fee")
        PROPERTY_TAX = "property_tax", _("Property tax")
        WATER_BILL = "water_bill", _("Water bill")
        CHALLAN = "challan", _("Traffic challan")

    LIVE = (State.CREATED, State.PENDING, State.PAID)

    reference = models.CharField(_("reference"), max_length=12, unique=True)
    purpose = models.CharField(_("paid for"), max_length=20, choices=Purpose.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="payments", verbose_name=_("service"))
    application = models.ForeignKey(Application, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="payments", verbose_name=_("application"))  # fmt: skip
    # The department's own id of what is paid (property ID and year, K number and bill, challan number).
    demand_id = models.CharField(_("demand"), max_length=100, blank=True)
    description_en = models.CharField(_("what is paid (English)"), max_length=300)
    description_hi = models.CharField(_("what is paid (Hindi)"), max_length=300)
    # [{"label_en", "label_hi", "amount_paise"}]: the break-up shown to the citizen and printed on the receipt.
    breakup = models.JSONField(_("break-up"), default=list, blank=True)
    amount_paise = models.PositiveBigIntegerField(_("amount (paise)"))
    currency = models.CharField(_("currency"), max_length=3, default="INR")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CREATED, db_index=True)
    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="payments", verbose_name=_("citizen"))
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("gateway"), max_length=20)
    gateway_order_id = models.CharField(_("gateway link / order"), max_length=100, null=True, blank=True,
                                        unique=True)  # fmt: skip
    gateway_payment_id = models.CharField(_("gateway transaction"), max_length=100, null=True, blank=True,
                                          unique=True)  # fmt: skip
    checkout_url = models.URLField(_("checkout link"), max_length=500, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, db_index=True)
    method = models.CharField(_("method"), max_length=30, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    refund_reason = models.TextField(_("reason for refund"), blank=True)
    refunded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="refunds", verbose_name=_("refunded by"))  # fmt: skip
    gateway_refund_id = models.CharField(_("gateway refund"), max_length=100, null=True, blank=True, unique=True)
    # Money that arrived where it should not (a second link paid, an amount that does not match): an
    # officer must look, and refund.
    needs_attention = models.BooleanField(_("needs attention"), default=False, db_index=True)
    attention_reason = models.CharField(_("why"), max_length=300, blank=True)
    last_checked_at = models.DateTimeField(_("last checked with the gateway"), null=True, blank=True)
    # A department's demand paid here: its portal must be told (the task retries until it has been).
    portal_notified_at = models.DateTimeField(_("department portal told at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount_paise__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=["created", "pending", "paid"]),
                name="payment_one_live_per_application",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["service", "demand_id"],
                condition=Q(state__in=["created", "pending", "paid"]) & ~Q(demand_id=""),
                name="payment_one_live_per_demand",
            ),  # fmt: skip
        ]
        permissions = [("refund_payment", _("Can refund payments"))]

    def __str__(self) -> str:
        return self.reference

    @property
    def rupees(self) -> str:
        """₹1,234.50 style, for people (Indian digit grouping)."""
        return rupees(self.amount_paise)

    @property
    def description(self) -> str:
        from django.utils.translation import get_language

        return self.description_hi if (get_language() or "").startswith("hi") else self.description_en


class PaymentCallback(models.Model):
    """Every callback a gateway sent, kept raw with the verdict: what was checked and what it changed."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DUPLICATE = "duplicate", _("Already applied")
        IGNORED = "ignored", _("Nothing to do")
        REJECTED = "rejected", _("Rejected")

    provider = models.CharField(_("gateway"), max_length=20)
    event_id = models.CharField(_("event"), max_length=200)
    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="callbacks")
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    body = models.TextField(_("body"))
    signature_valid = models.BooleanField(_("signature valid"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("gateway callback")
        verbose_name_plural = _("gateway callbacks")
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payment_callback_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"


class Receipt(TimeStampedModel):
    """The receipt of a paid payment: a PDF in the citizen's language, verified by its QR code's token."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    file = models.FileField(_("PDF"), upload_to="receipts/%Y/%m/")
    language = models.CharField(_("language"), max_length=2, default="en")

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return self.number


class SandboxOrder(TimeStampedModel):
    """The sandbox gateway's own book (it stands in for a real gateway's servers in the embedded default):
    one checkout link, what it asks, and whether the person at the checkout page paid."""

    class State(models.TextChoices):
        CREATED = "created", _("Open")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    order_id = models.CharField(max_length=40, unique=True)
    reference = models.CharField(max_length=12)
    description = models.CharField(max_length=300)
    amount_paise = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="INR")
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    payment_id = models.CharField(max_length=40, null=True, blank=True, unique=True)
    refund_id = models.CharField(max_length=40, null=True, blank=True, unique=True)
    method = models.CharField(max_length=20, blank=True)
    callback_url = models.URLField(max_length=500)
    expires_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox checkout")
        verbose_name_plural = _("sandbox checkouts")

    def __str__(self) -> str:
        return self.order_id
