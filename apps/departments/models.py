from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import BilingualModel, TimeStampedModel


class Department(BilingualModel, TimeStampedModel):
    """A department of the Government of NCT of Delhi; every service, number and officer belongs to one."""

    bilingual_fields = ("name",)

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,10}$", _("Use 2 to 10 capital letters, like REV or MCD."))],
    )
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    # As Service.catalogue_hash: the catalogue file's version when last loaded; empty if added in the admin.
    catalogue_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class WhatsAppNumber(TimeStampedModel):
    """A department's WhatsApp Business number on the Cloud API.

    The Graph API access token is kept only encrypted (apps.core.crypto); the admin can replace it but
    never shows it.
    """

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="numbers")
    phone_number_id = models.CharField(
        _("phone number ID"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^\d{5,32}$", _("Meta's phone number ID is digits only."))],
        help_text=_("From WhatsApp Manager; webhooks name the number by this ID."),
    )
    display_number = models.CharField(
        _("display number"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^\+\d{8,15}$", _("Write the number with its country code, like +911123456789."))],
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("What officers call it, like 'MCD helpline'."))
    access_token_encrypted = models.TextField(_("access token (encrypted)"), blank=True, editable=False)
    access_token_updated_at = models.DateTimeField(_("access token updated at"), null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["department__code", "label"]
        verbose_name = _("WhatsApp number")
        verbose_name_plural = _("WhatsApp numbers")

    def __str__(self) -> str:
        return f"{self.display_number} ({self.label})"

    @property
    def has_access_token(self) -> bool:
        return bool(self.access_token_encrypted)


class OfficerManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser works across departments; the constraints below refuse it any department role.
        extra_fields.setdefault("role", Officer.Role.STATE_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class Officer(AbstractUser):
    """A person who signs in to the back office, with one role and (except state-wide roles) one department."""

    class Role(models.TextChoices):
        STATE_ADMIN = "state_admin", _("State IT admin")
        DEPARTMENT_ADMIN = "department_admin", _("Department admin")
        OFFICER = "officer", _("Officer")
        AUDITOR = "auditor", _("Auditor (read-only)")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="officers",
        null=True,
        blank=True,
        help_text=_("Empty only for state IT admins and state-wide auditors."),
    )

    objects = OfficerManager()

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=["state_admin", "auditor"]) | models.Q(department__isnull=False),
                name="officer_department_required_for_department_roles",
                violation_error_message=_("Department admins and officers need a department."),
            ),
            models.CheckConstraint(
                condition=models.Q(is_superuser=False) | models.Q(department__isnull=True),
                name="officer_superuser_has_no_department",
                violation_error_message=_("A superuser works across departments; leave the department empty."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="state_admin") | models.Q(department__isnull=True),
                name="officer_state_admin_has_no_department",
                violation_error_message=_("A state IT admin works across departments; leave the department empty."),
            ),
        ]

    @property
    def is_state_wide(self) -> bool:
        """Sees every department's rows: superusers, state IT admins and auditors without a department."""
        return (
            self.is_superuser
            or self.role == self.Role.STATE_ADMIN
            or (self.role == self.Role.AUDITOR and self.department_id is None)
        )

    @property
    def is_read_only(self) -> bool:
        return self.role == self.Role.AUDITOR and not self.is_superuser
