from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import BilingualModel, TimeStampedModel
from apps.departments.models import Department

from .catalogue_schema import field_validation_problems

SNAKE_CASE = RegexValidator(
    r"^[a-z][a-z0-9_]{1,49}$", _("Use lower-case letters, digits and _, like proof_of_address.")
)


class Service(BilingualModel, TimeStampedModel):
    """One government service a citizen can use on WhatsApp, with the texts the bot shows about it."""

    bilingual_fields = ("name", "description", "eligibility", "how_to")
    optional_bilingual_fields = ("synonyms",)

    class Kind(models.TextChoices):
        APPLY = "apply", _("Apply")
        STATUS = "status", _("Check status")
        PAY = "pay", _("Pay")
        INFO = "info", _("Information")
        GRIEVANCE = "grievance", _("Grievance")
        FEEDBACK = "feedback", _("Feedback")

    class Fulfilment(models.TextChoices):
        OFFICER = "officer", _("By officers in govchat")
        PORTAL = "portal", _("By a department portal connector")
        BOT = "bot", _("Answered by the bot")

    class Connector(models.TextChoices):
        EDISTRICT = "edistrict", _("e-District Delhi")
        MCD = "mcd", _("MCD online services")
        PARIVAHAN = "parivahan", _("Parivahan (Sarathi / Vahan)")
        DJB = "djb", _("Delhi Jal Board")
        DELHI_POLICE = "delhi_police", _("Delhi Police citizen services")
        EDUDEL = "edudel", _("Directorate of Education")
        PGMS = "pgms", _("Public grievance monitoring system")

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z]{2,10}-[A-Z0-9-]{2,29}$", _("Like MCD-BIRTH: the department code, a hyphen, then capitals.")
            )
        ],
        help_text=_("Stable identifier; citizens and connectors refer to the service by it."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="services", verbose_name=_("department")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=1000)
    eligibility = models.TextField(_("eligibility"), max_length=2000)
    how_to = models.TextField(_("how to apply"), max_length=2000)
    synonyms = models.TextField(
        _("other names"),
        max_length=1000,
        blank=True,
        help_text=_(
            'Words citizens use for this service, separated by commas ("birth cert, janm praman patra"); '
            "the bot understands them. Hinglish goes with the English, Devanagari with the Hindi."
        ),
    )
    fee = models.DecimalField(
        _("fee (₹)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    sla_days = models.PositiveSmallIntegerField(
        _("SLA days"), default=0, validators=[MaxValueValidator(365)], help_text=_("0 when the answer is immediate.")
    )
    # Delhi (Right of Citizen to Time Bound Delivery of Services) Act, 2011: what a citizen is owed for
    # each day an application is late, up to a cap.
    compensation_per_day = models.PositiveIntegerField(_("compensation a day late (₹)"), default=10)
    compensation_cap = models.PositiveIntegerField(_("compensation cap (₹)"), default=200)
    certificate_fields = models.JSONField(
        _("printed on the certificate"),
        default=list,
        blank=True,
        help_text=_('Form field keys printed on the certificate, in order, like ["child_name", "date_of_birth"]. '
                    "Empty: every answer except Aadhaar, mobile and email."),
    )  # fmt: skip
    fulfilment = models.CharField(_("fulfilled"), max_length=10, choices=Fulfilment.choices, default=Fulfilment.OFFICER)
    connector = models.CharField(_("portal connector"), max_length=20, choices=Connector.choices, blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive services are hidden from citizens.")
    )
    # sha256 of the catalogue file's version of this service when it was last loaded; empty for services
    # added in the admin. The loader updates a service only while its rows still match this hash.
    catalogue_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["department__code", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(condition=models.Q(fee__gte=0), name="service_fee_not_negative"),
            models.CheckConstraint(
                condition=(models.Q(fulfilment="portal") & ~models.Q(connector=""))
                | (~models.Q(fulfilment="portal") & models.Q(connector="")),
                name="service_connector_only_for_portal",
                violation_error_message=_("Name a connector exactly when the service is fulfilled by a portal."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.department_id and self.code and not self.code.startswith(f"{self.department.code}-"):
            raise ValidationError(
                {
                    "code": _("The code starts with the department's code: %(prefix)s-…")
                    % {"prefix": self.department.code}
                }
            )


class RequiredDocument(BilingualModel):
    """A document a citizen uploads for a service, with the file types and size the service accepts."""

    bilingual_fields = ("name",)

    class FileType(models.TextChoices):
        PDF = "pdf", "PDF"
        JPG = "jpg", "JPEG"
        PNG = "png", "PNG"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(_("code"), max_length=50, validators=[SNAKE_CASE])
    name = models.CharField(_("name"), max_length=300)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    accepted_types = models.JSONField(
        _("accepted file types"), default=list, help_text=_('A list such as ["pdf", "jpg", "png"].')
    )
    max_size_mb = models.PositiveSmallIntegerField(
        _("size cap (MB)"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service", "position", "id"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        constraints = [models.UniqueConstraint(fields=["service", "code"], name="document_code_unique_per_service")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        allowed = set(self.FileType.values)
        if (
            not isinstance(self.accepted_types, list)
            or not self.accepted_types
            or not all(isinstance(kind, str) and kind in allowed for kind in self.accepted_types)
        ):
            raise ValidationError({"accepted_types": _("Choose one or more of: pdf, jpg, png.")})


class FormField(BilingualModel):
    """A question the bot asks when a citizen applies; `validation` holds the limits the answer must meet."""

    bilingual_fields = ("label",)
    optional_bilingual_fields = ("help_text",)

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        DATE = "date", _("Date")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Choice")
        PHONE = "phone", _("Mobile number")
        AADHAAR = "aadhaar", _("Aadhaar number")
        PINCODE = "pincode", _("PIN code")
        EMAIL = "email", _("Email")
        YESNO = "yesno", _("Yes / no")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="fields")
    key = models.CharField(_("key"), max_length=50, validators=[SNAKE_CASE])
    label = models.CharField(_("label"), max_length=200)
    help_text = models.CharField(_("help"), max_length=300, blank=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.TEXT)
    required = models.BooleanField(_("required"), default=True)
    validation = models.JSONField(
        _("validation"),
        default=dict,
        blank=True,
        help_text=_(
            "Optional limits: min_length, max_length, min, max, regex (with message_en and message_hi), "
            "date: past or future."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["service", "position", "id"]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [models.UniqueConstraint(fields=["service", "key"], name="field_key_unique_per_service")]

    def __str__(self) -> str:
        return f"{self.service.code} · {self.key}"

    def clean(self) -> None:
        super().clean()
        problems = field_validation_problems(self.validation)
        if problems:
            raise ValidationError({"validation": problems})


class FieldChoice(BilingualModel):
    """One answer a citizen can pick for a choice field (shown as a WhatsApp list row)."""

    bilingual_fields = ("label",)

    field = models.ForeignKey(FormField, on_delete=models.CASCADE, related_name="choices")
    value = models.CharField(_("value"), max_length=50, validators=[SNAKE_CASE])
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["field", "position", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        constraints = [models.UniqueConstraint(fields=["field", "value"], name="choice_value_unique_per_field")]

    def __str__(self) -> str:
        return self.label
