from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from apps.documents.registry import verifier_register

        from .verify import receipt_verifiable

        verifier_register("receipt", receipt_verifiable)
