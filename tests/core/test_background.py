"""The background half of the system: a real Celery worker on the configured broker, and beat's schedule.

The worker is a separate process on the same broker the run command uses (the filesystem broker by default,
Redis in CI) and on the test database, so this proves the wiring, not a mock of it.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import PeriodicTask

from apps.core.models import Heartbeat
from apps.core.tasks import heartbeat_record_task
from tests.conftest import celery_eager

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "GOVCHAT_VAR_DIR": str(settings.VAR_DIR),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "govchat", "worker", "-Q", queue, "--pool=solo",
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    celery_eager(False)
    yield queue
    process.terminate()
    output = process.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_tasks_from_the_configured_broker(worker):
    heartbeat_record_task.apply_async(kwargs={"name": "integration"}, queue=worker)

    deadline = time.monotonic() + 60
    while not Heartbeat.objects.filter(name="integration").exists() and time.monotonic() < deadline:
        time.sleep(0.25)

    heartbeat = Heartbeat.objects.get(name="integration")
    assert heartbeat.hostname


@pytest.mark.django_db
def test_setup_periodic_tasks_schedules_the_heartbeat_once():
    call_command("setup_periodic_tasks", verbosity=0)
    call_command("setup_periodic_tasks", verbosity=0)

    task = PeriodicTask.objects.get(name="heartbeat")
    assert task.task == "apps.core.tasks.heartbeat_record_task"
    assert task.enabled and task.interval.every == 60
    assert PeriodicTask.objects.filter(task="apps.core.tasks.heartbeat_record_task").count() == 1


@pytest.mark.django_db
def test_heartbeat_record_task_is_safe_to_run_twice():
    heartbeat_record_task.delay("worker")
    first = Heartbeat.objects.get(name="worker").last_seen
    heartbeat_record_task.delay("worker")

    assert Heartbeat.objects.filter(name="worker").count() == 1
    assert Heartbeat.objects.get(name="worker").last_seen >= first
