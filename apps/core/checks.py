"""System checks that refuse to run production on the embedded defaults.

They run with every management command (migrate, check), and `refuse_unsafe_production` runs them when
gunicorn loads govchat.wsgi and when a Celery worker or beat starts, so a production host with a missing
or unsafe variable stops before it serves anyone.
"""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register, run_checks
from django.core.exceptions import ImproperlyConfigured

HINT_ENV = "Set it in the environment; see .env.example."


def _database_is_sqlite() -> bool:
    return any(db["ENGINE"] == "django.db.backends.sqlite3" for db in settings.DATABASES.values())


def _encryption_keys_valid() -> bool:
    try:
        for key in settings.FIELD_ENCRYPTION_KEYS:
            Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


def refuse_unsafe_production() -> None:
    """Called when a web, worker or beat process starts: in production, stop on any check error."""
    if settings.GOVCHAT_ENV != "production":
        return
    errors = [e for e in run_checks(include_deployment_checks=False) if e.is_serious()]
    if errors:
        raise ImproperlyConfigured("Refusing to start:\n" + "\n".join(f"{e.id}: {e.msg}" for e in errors))


@register(Tags.security, deploy=False)
def simulator_check(app_configs=None, **kwargs) -> list[Error]:
    """The simulator lets anyone chat as any phone number: only with the outbox backend, never with Meta."""
    if settings.WHATSAPP_SIMULATOR_ENABLED and settings.WHATSAPP_BACKEND != "outbox":
        return [Error("WHATSAPP_SIMULATOR_ENABLED with a real WhatsApp backend would message real people.",
                      hint="Turn the simulator off, or use WHATSAPP_BACKEND=outbox.", id="govchat.E011")]  # fmt: skip
    return []


@register(Tags.security, deploy=False)
def production_settings_check(app_configs=None, **kwargs) -> list[Error]:
    if settings.GOVCHAT_ENV != "production":
        return []
    errors = []
    broker = settings.CELERY_BROKER_URL
    rules = [
        (
            settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 50,
            "govchat.E001",
            "SECRET_KEY is the embedded default or shorter than 50 characters.",
        ),
        (settings.DEBUG, "govchat.E002", "DEBUG is on."),
        (_database_is_sqlite(), "govchat.E003", "The database is SQLite; production needs PostgreSQL (DATABASE_URL)."),
        (settings.CELERY_TASK_ALWAYS_EAGER, "govchat.E004", "Celery runs tasks eagerly, inside the web request."),
        (
            not broker or broker.startswith(("filesystem://", "memory://")),
            "govchat.E005",
            "The Celery broker is the filesystem or memory transport; use Redis or RabbitMQ (CELERY_BROKER_URL).",
        ),
        (
            settings.WHATSAPP_BACKEND == "outbox",
            "govchat.E006",
            "WHATSAPP_BACKEND is 'outbox': citizens would receive nothing.",
        ),
        (
            not settings.FIELD_ENCRYPTION_KEYS,
            "govchat.E007",
            "FIELD_ENCRYPTION_KEYS is not set; stored access tokens would use a key derived from SECRET_KEY.",
        ),
        (not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS, "govchat.E008", "ALLOWED_HOSTS is empty or '*'."),
        (
            settings.WHATSAPP_BACKEND != "outbox" and not settings.WHATSAPP_APP_SECRET,
            "govchat.E009",
            "WHATSAPP_APP_SECRET is not set, so webhook signatures cannot be checked.",
        ),
        (
            settings.PAYMENT_GATEWAY == "sandbox",
            "govchat.E012",
            "PAYMENT_GATEWAY is 'sandbox': its checkout page takes no real money; use a real gateway (razorpay).",
        ),
    ]
    if settings.FIELD_ENCRYPTION_KEYS and not _encryption_keys_valid():
        rules.append((True, "govchat.E010", "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key."))
    for failed, check_id, message in rules:
        if failed:
            errors.append(Error(f"GOVCHAT_ENV=production: {message}", hint=HINT_ENV, id=check_id))
    return errors
