"""Production mode refuses to start on any embedded default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from apps.core.checks import production_settings_check

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
ROOT = Path(__file__).resolve().parents[2]

SAFE = {
    "GOVCHAT_ENV": "production",
    "SECRET_KEY": "k" * 64,
    "DEBUG": False,
    "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "govchat"}},
    "CELERY_TASK_ALWAYS_EAGER": False,
    "CELERY_BROKER_URL": "redis://10.0.0.5:6379/0",
    "WHATSAPP_BACKEND": "heyoo",
    "WHATSAPP_APP_SECRET": "app-secret",
    "FIELD_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    "ALLOWED_HOSTS": ["govchat.delhi.gov.in"],
    "PAYMENT_GATEWAY": "razorpay",
    "RAZORPAY_KEY_ID": "rzp_live_key",
    "RAZORPAY_KEY_SECRET": "razorpay-key-secret",
    "RAZORPAY_WEBHOOK_SECRET": "razorpay-webhook-secret",
}


def _errors(settings, **overrides) -> set[str]:
    # Only the settings the check reads are overridden; the test database stays as it is.
    for name, value in {**SAFE, **overrides}.items():
        setattr(settings, name, value)
    return {error.id for error in production_settings_check()}


def test_a_safe_production_configuration_passes(settings):
    assert _errors(settings) == set()


@pytest.mark.parametrize(
    "overrides, error_id",
    [
        ({"SECRET_KEY": "embedded-default-insecure-key-do-not-use-in-production"}, "govchat.E001"),
        ({"SECRET_KEY": "short"}, "govchat.E001"),
        ({"DEBUG": True}, "govchat.E002"),
        ({"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}}, "govchat.E003"),
        ({"CELERY_TASK_ALWAYS_EAGER": True}, "govchat.E004"),
        ({"CELERY_BROKER_URL": "filesystem://"}, "govchat.E005"),
        ({"CELERY_BROKER_URL": "memory://"}, "govchat.E005"),
        ({"CELERY_BROKER_URL": ""}, "govchat.E005"),
        ({"WHATSAPP_BACKEND": "outbox"}, "govchat.E006"),
        ({"FIELD_ENCRYPTION_KEYS": []}, "govchat.E007"),
        ({"ALLOWED_HOSTS": ["*"]}, "govchat.E008"),
        ({"WHATSAPP_APP_SECRET": ""}, "govchat.E009"),
        ({"FIELD_ENCRYPTION_KEYS": ["not-a-fernet-key"]}, "govchat.E010"),
        ({"PAYMENT_GATEWAY": "sandbox"}, "govchat.E012"),
    ],
)
def test_production_check_fires_on_each_unsafe_setting(settings, overrides, error_id):
    assert _errors(settings, **overrides) == {error_id}


def test_the_embedded_default_is_not_checked(settings):
    assert _errors(settings, GOVCHAT_ENV="development", DEBUG=True, WHATSAPP_BACKEND="outbox") == set()


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _manage(args: list[str], env: dict, tmp_path) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**keep, "GOVCHAT_VAR_DIR": str(tmp_path), **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_manage_py_refuses_production_on_the_embedded_defaults(tmp_path):
    result = _manage(["check"], {"GOVCHAT_ENV": "production"}, tmp_path)

    assert result.returncode != 0
    for check_id in ("govchat.E001", "govchat.E003", "govchat.E005", "govchat.E006"):
        assert check_id in result.stderr


def test_a_mistyped_environment_name_stops_everything(tmp_path):
    result = _manage(["check"], {"GOVCHAT_ENV": "prod"}, tmp_path)

    assert result.returncode != 0
    assert "GOVCHAT_ENV is 'prod'" in result.stderr


def test_the_web_application_refuses_to_load_in_unsafe_production(tmp_path):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    result = subprocess.run(
        [sys.executable, "-c", "import govchat.wsgi"],
        cwd=ROOT, env={**keep, "GOVCHAT_VAR_DIR": str(tmp_path), "GOVCHAT_ENV": "production"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and "govchat.E006" in result.stderr


def test_the_simulator_is_refused_with_a_real_whatsapp_backend(settings):
    from apps.core.checks import simulator_check

    settings.WHATSAPP_SIMULATOR_ENABLED, settings.WHATSAPP_BACKEND = True, "heyoo"
    assert [e.id for e in simulator_check()] == ["govchat.E011"]
    settings.WHATSAPP_SIMULATOR_ENABLED = False
    assert simulator_check() == []
