from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.services.models import Service


class PortalConnection(TimeStampedModel):
    """How govchat reaches one department portal (e-District, MCD, ...) over its REST/JSON interface.

    One row per connector code; without a row the connection comes from PORTAL_CONNECTIONS in the settings,
    or, in the embedded default, from the demo portal. Both secrets are kept only encrypted
    (apps.core.crypto); the admin can replace them but never shows them.
    """

    class Auth(models.TextChoices):
        NONE = "none", _("None")
        BEARER = "bearer", _("Bearer token")
        API_KEY = "api_key", _("API key header")
        BASIC = "basic", _("Basic (user name and password)")

    connector = models.CharField(_("connector"), max_length=20, choices=Service.Connector.choices, unique=True)
    base_url = models.URLField(
        _("base URL"), max_length=300, help_text=_("Like https://edistrict.delhigovt.nic.in/api/")
    )
    auth_type = models.CharField(_("authentication"), max_length=10, choices=Auth.choices, default=Auth.BEARER)
    auth_header = models.CharField(_("API key header"), max_length=50, default="X-API-Key", blank=True)
    username = models.CharField(_("user name (basic)"), max_length=100, blank=True)
    secret_encrypted = models.TextField(_("token, key or password (encrypted)"), blank=True, editable=False)
    callback_secret_encrypted = models.TextField(_("callback signing secret (encrypted)"), blank=True, editable=False)
    secrets_updated_at = models.DateTimeField(_("secrets updated at"), null=True, blank=True, editable=False)
    connect_timeout = models.FloatField(_("connect timeout (s)"), default=5)
    read_timeout = models.FloatField(_("read timeout (s)"), default=20)
    submit_path = models.CharField(_("submit path"), max_length=200, default="applications/")
    status_path = models.CharField(_("status path"), max_length=200, default="applications/{reference}/")
    lookup_path = models.CharField(_("lookup path"), max_length=200, default="lookup/{service}/")
    field_map = models.JSONField(
        _("field map"), default=dict, blank=True,
        help_text=_('Per service code: the portal\'s service id and field names, like {"REV-INCOME": {"service": '
                    '"INC01", "fields": {"applicant_name": "name"}}}. Unmapped answers keep their keys.'),
    )  # fmt: skip
    status_map = models.JSONField(
        _("status map"), default=dict, blank=True,
        help_text=_('Portal status to govchat state, like {"PENDING_SDM": "under_review"}; added to the usual '
                    "names (received, under_review, approved, rejected, issued, ...)."),
    )  # fmt: skip
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        # The table was made when portals lived in applications; keeping its name moved it with no change.
        db_table = "applications_portalconnection"
        ordering = ["connector"]
        verbose_name = _("portal connection")
        verbose_name_plural = _("portal connections")

    def __str__(self) -> str:
        return self.get_connector_display()
