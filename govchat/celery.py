"""The Celery app. Workers and beat start with `celery -A govchat worker` / `celery -A govchat beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govchat.settings")

app = Celery("govchat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
