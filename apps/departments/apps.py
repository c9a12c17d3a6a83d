from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "apps.departments"
    label = "departments"
    verbose_name = _("Departments and officers")

    def ready(self) -> None:
        from apps.core.crypto import secret_rotator_register

        from .services import whatsapp_number_tokens_rotate

        secret_rotator_register(label="access token(s)", rotate=whatsapp_number_tokens_rotate)
