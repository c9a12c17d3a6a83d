"""The background half of the system: a real Celery worker on the configured broker, and beat's schedule.

The worker is a separate process on the same broker the run command uses (the filesystem broker by default,
Redis in CI) and on the test database, so this proves the wiring, not a mock of it.
"""

import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from apps.core.models import Heartbeat
from apps.core.tasks import heartbeat_record_task

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(celery_worker_process):
    return celery_worker_process()


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
