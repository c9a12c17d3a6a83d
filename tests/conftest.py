import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from govchat.celery import app as celery_app

pytest_plugins = ["tests.fakes.fixtures"]  # graph_fake, openai_fake, portal_fake, razorpay_fake, clamd_fake
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    # Links we build (checkout pages, callbacks, verify pages) point where nothing listens, so a test never
    # reaches a govchat someone is running on this machine; tests that follow a link use a live server.
    settings.SITE_URL = "http://127.0.0.1:9"


def celery_eager(on: bool) -> None:
    # With namespace="CELERY" the app reads the prefixed key; `conf.task_always_eager = …` is ignored.
    celery_app.conf["CELERY_TASK_ALWAYS_EAGER"] = on


@pytest.fixture(autouse=True)
def _fresh_number_cache():
    """The webhook remembers numbers per process; each test has its own database rows."""
    from apps.conversations.inbound import _NUMBERS

    _NUMBERS.clear()


@pytest.fixture(autouse=True)
def _no_drain_waiting():
    """A webhook drain flag left in Redis by an earlier test would stop this test's POSTs queuing one."""
    if settings.REDIS_URL:
        from apps.core.flags import flag_clear
        from apps.whatsapp.services import DRAIN_FLAG

        flag_clear(DRAIN_FLAG)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks inline; the tests of a real worker switch this off."""
    celery_eager(True)
    yield
    celery_eager(False)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process():
    """Start real Celery workers (separate processes) on the configured broker and the test database.

    Each listens on its own queue (returned), so nothing else on the broker takes its tasks. Needs a
    test marked django_db(transaction=True), so that the worker sees committed rows.
    """
    started = []

    def start(**extra_env: str) -> str:
        queue = f"test-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "GOVCHAT_VAR_DIR": str(settings.VAR_DIR),
            "CELERY_TASK_DEFAULT_QUEUE": queue,  # what the worker queues in turn stays with it
            **extra_env,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "govchat", "worker", "-Q", queue, "--pool=solo",
             "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)
        celery_eager(False)
        return queue

    yield start
    for process in started:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
        assert "Traceback" not in output, output
