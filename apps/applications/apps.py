from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    label = "applications"
    name = "apps.applications"
    verbose_name = _("Applications")
