from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    label = "applications"
    name = "apps.applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from apps.conversations.selectors import request_provider_register

        from .lookups import PROVIDER

        request_provider_register(prefix="DLA", provider=PROVIDER)
