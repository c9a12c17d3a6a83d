"""The Celery app. Workers and beat start with `celery -A govchat worker` / `celery -A govchat beat`."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")

app = Celery("govchat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["apps.conversations.engine"])  # the bot's own tasks, reached by name from below


@worker_init.connect
@beat_init.connect
def _refuse_unsafe_production(**kwargs) -> None:
    from apps.core.checks import refuse_unsafe_production

    refuse_unsafe_production()
