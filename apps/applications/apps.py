from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    label = "applications"
    name = "apps.applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from apps.conversations.selectors import request_provider_register
        from apps.documents.registry import verifier_register
        from apps.portals.callbacks import callback_handler_register

        from .lookups import PROVIDER
        from .models import Application
        from .portal_outbox import portal_callback_apply
        from .verify import certificate_verifiable

        request_provider_register(prefix="DLA", provider=PROVIDER)
        # Portals stand below applications, so a portal's status callback reaches us through this hook.
        callback_handler_register(name="applications", handler=portal_callback_apply, states=Application.State.values)
        verifier_register("certificate", certificate_verifiable)
