from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    label = "applications"
    name = "apps.applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from apps.documents.registry import verifier_register

        from .verify import certificate_verifiable

        verifier_register("certificate", certificate_verifiable)
