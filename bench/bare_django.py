"""The reference point between the floor and govchat in bench/webhook.py: a bare Django + DRF view that
does what the issue names, one INSERT and one Celery enqueue, with Django's stock middleware and the same
database and broker settings as govchat (persistent connections with health checks). Served by gunicorn
as `bare_django:application` with bench/ on PYTHONPATH; FLOOR_DSN and CELERY_BROKER_URL from the bench.
"""

import os

import dj_database_url
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.sessions",
        "django.contrib.messages",
        "rest_framework",
    ],  # fmt: skip
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    DATABASES={
        "default": {**dj_database_url.parse(os.environ["FLOOR_DSN"], conn_max_age=60), "CONN_HEALTH_CHECKS": True}
    },
)

import django  # noqa: E402

django.setup()

from celery import Celery  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

celery_app = Celery("bare", broker=os.environ["CELERY_BROKER_URL"])


class Webhook(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO floor_events (body) VALUES (%s) RETURNING id", [request.body.decode()])
            event_id = cursor.fetchone()[0]
        celery_app.send_task("bench.process", args=[event_id], queue="bench-bare")
        return HttpResponse("OK", content_type="text/plain")


urlpatterns = [path("webhooks/whatsapp/", Webhook.as_view())]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
