from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatorConfig(AppConfig):
    """The developers' and demonstrators' tools, standing above every app: the WhatsApp simulator
    (/simulator/ and `manage.py chat`), which chats as a citizen through the real signed webhook and reads
    the outbox (on in the embedded default only), and `manage.py understand`, which prints what the bot
    reads in each line typed."""

    name = "apps.simulator"
    label = "simulator"
    verbose_name = _("WhatsApp simulator")
