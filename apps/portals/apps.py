from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalsConfig(AppConfig):
    label = "portals"
    name = "apps.portals"
    verbose_name = _("Department portals")

    def ready(self) -> None:
        from apps.core.crypto import secret_rotator_register

        from .config import portal_connection_secrets_rotate

        secret_rotator_register(label="portal connection(s)", rotate=portal_connection_secrets_rotate)
