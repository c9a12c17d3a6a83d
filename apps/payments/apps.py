from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from apps.conversations.selectors import request_provider_register
        from apps.documents.registry import verifier_register

        from .lookups import PROVIDER
        from .verify import receipt_verifiable

        request_provider_register(prefix="DLP", provider=PROVIDER)
        verifier_register("receipt", receipt_verifiable)
