from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatorConfig(AppConfig):
    """The WhatsApp simulator (/simulator/ and `manage.py chat`): a tool above every app, that chats as a
    citizen through the real signed webhook and reads the outbox; on in the embedded default only."""

    name = "apps.simulator"
    label = "simulator"
    verbose_name = _("WhatsApp simulator")
