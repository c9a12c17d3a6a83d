from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalsConfig(AppConfig):
    label = "portals"
    name = "apps.portals"
    verbose_name = _("Department portals")
