"""govchat settings: one module, every value from the environment.

With nothing set, everything runs on one machine with no servers (the "embedded default"): SQLite under
var/, Celery on kombu's filesystem broker under var/, files under var/media, a locmem cache and the outbox
WhatsApp backend. Production is explicit (GOVCHAT_ENV=production) and govchat's system checks refuse it
while any of those defaults is still in use. `.env.example` lists every variable.
"""

import hashlib
import hmac
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


# An empty variable counts as unset: an env file listing `NAME=` must not turn a path into "." or a
# broker URL into "" (which Celery would read as amqp://localhost).
def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file NAME_FILE names (Docker and Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name) or default


GOVCHAT_ENV = env_str("GOVCHAT_ENV", "development")
if GOVCHAT_ENV not in {"development", "production"}:
    # A typo such as "prod" must not quietly mean "development" (DEBUG on, checks off).
    raise ImproperlyConfigured(f"GOVCHAT_ENV is {GOVCHAT_ENV!r}; use 'development' or 'production'.")
PRODUCTION = GOVCHAT_ENV == "production"
VAR_DIR = Path(env_str("GOVCHAT_VAR_DIR", str(BASE_DIR / "var")))

# The embedded default key is public (it is in this file), so the production check refuses it.
DEFAULT_SECRET_KEY = "embedded-default-insecure-key-do-not-use-in-production"
SECRET_KEY = env_secret("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Fernet keys (comma-separated, newest first) that encrypt secrets kept in the database, such as each
# department number's Graph API access token. Several keys allow rotation: old rows still decrypt.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", env_secret("FIELD_ENCRYPTION_KEYS"))
# Keys the HMAC kept instead of an Aadhaar number, to match it later (apps.core.aadhaar.aadhaar_hash).
# Unset, it is derived from SECRET_KEY; set it in production and never change it, or stored hashes stop matching.
AADHAAR_HASH_KEY = (
    env_secret("AADHAAR_HASH_KEY") or hmac.new(SECRET_KEY.encode(), b"govchat-aadhaar-hash", hashlib.sha256).hexdigest()
)

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "govchat.apps.GovChatAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_celery_beat",
    "apps.core",
    "apps.documents",
    "apps.departments",
    "apps.services",
    "apps.conversations",
    "apps.whatsapp",
    "apps.portals",
    "apps.applications",
    "apps.payments",
    "apps.simulator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Meta's webhook is served with only these (govchat/wsgi.py): it has no session, user, language, CSRF
# token or page to frame, and each middleware costs on every POST. Security keeps the HTTPS redirect.
WEBHOOK_MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]

ROOT_URLCONF = "govchat.urls"
WSGI_APPLICATION = "govchat.wsgi.application"
ASGI_APPLICATION = "govchat.asgi.application"
AUTH_USER_MODEL = "departments.Officer"
LOGIN_URL = "admin:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
# SQLite in WAL mode with IMMEDIATE transactions: the web server, the worker and beat all write, and a
# deferred transaction that later upgrades to a write lock fails at once with "database is locked"
# instead of waiting out the busy timeout.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    else:
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 10)
        # The hot paths' statements (apps/core/db.py execute_hot) are prepared after this many runs on a
        # connection; Django's own queries never are. "off" for a PgBouncer in transaction pooling mode.
        threshold = env_str("DB_PREPARE_THRESHOLD", "5")
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if threshold.lower() == "off" else int(threshold)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "govchat.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
            # A file, not memory, so that the tests' real Celery worker (another process) sees it.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Files --------------------------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    # MinIO or the State Data Centre's S3-compatible object store; files are private and served through
    # short-lived signed URLs.
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = env_secret("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = env_secret("AWS_SECRET_ACCESS_KEY")
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 300)
    AWS_S3_FILE_OVERWRITE = False
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Celery -------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_FOLDER = VAR_DIR / "broker"
    for folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
        "polling_interval": 0.1,  # a folder is cheap to look at; a citizen should not wait a second a hop
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task not acknowledged within this time is delivered again; longer than the hard time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
    CELERY_BROKER_TRANSPORT = "apps.core.broker:Transport"  # kombu's, reusing its sending client
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 5)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The queue tasks go to unless routed: set it to give two deployments one broker.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_SEND_TASK_EVENTS = True
# No "task-sent" events: each would be a second publish on the webhook's path. Workers still send theirs.
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "Asia/Kolkata"

# --- WhatsApp -----------------------------------------------------------------------------------------
# "outbox" records what would be sent (the simulator and tests read it); "heyoo" talks to Meta.
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND", "outbox")
# The global token; a department number's own token (encrypted in the database) overrides it.
WHATSAPP_ACCESS_TOKEN = env_secret("WHATSAPP_ACCESS_TOKEN")
# With the outbox backend and no app secret, the simulator signs and the webhook checks with a key
# derived from SECRET_KEY, so the embedded default runs the real signed path (the checks refuse this
# in production, where the outbox backend is refused anyway).
WHATSAPP_APP_SECRET = env_secret("WHATSAPP_APP_SECRET")
WHATSAPP_VERIFY_TOKEN = env_secret("WHATSAPP_VERIFY_TOKEN")
if not WHATSAPP_APP_SECRET and WHATSAPP_BACKEND == "outbox":
    WHATSAPP_APP_SECRET = hashlib.sha256(f"govchat-simulator:{SECRET_KEY}".encode()).hexdigest()
WHATSAPP_GRAPH_BASE_URL = env_str("WHATSAPP_GRAPH_BASE_URL", "https://graph.facebook.com")
WHATSAPP_API_VERSION = env_str("WHATSAPP_API_VERSION", "v24.0")
WHATSAPP_CONNECT_TIMEOUT = float(env_str("WHATSAPP_CONNECT_TIMEOUT", "5"))
WHATSAPP_READ_TIMEOUT = float(env_str("WHATSAPP_READ_TIMEOUT", "20"))
WHATSAPP_MAX_MPS = env_int("WHATSAPP_MAX_MPS", 80)
# Webhook POSTs queue processing through a shared flag (one drain at a time is enough to wake) when the
# cache is shared by all processes; with the per-process cache of the embedded default, one task each.
WHATSAPP_WEBHOOK_COALESCE = env_bool("WHATSAPP_WEBHOOK_COALESCE", bool(REDIS_URL))
# The approved utility template sent when a message must go out after the 24-hour window (error 131047):
# it asks the citizen to reply, and their reply releases what was held. Approved in both languages.
WHATSAPP_REENGAGEMENT_TEMPLATE = env_str("WHATSAPP_REENGAGEMENT_TEMPLATE", "govchat_update_waiting")
# An approved template (parameters: reference, service, new state) for application updates outside the
# 24-hour window.
WHATSAPP_STATUS_TEMPLATE = env_str("WHATSAPP_STATUS_TEMPLATE", "govchat_application_update")
WHATSAPP_MEDIA_MAX_MB = env_int("WHATSAPP_MEDIA_MAX_MB", 16)
# The simulator at /simulator/: on in the embedded default, off in production unless enabled.
WHATSAPP_SIMULATOR_ENABLED = env_bool("WHATSAPP_SIMULATOR_ENABLED", not PRODUCTION)

# --- Malware scanning of citizens' documents (unset host: files are not scanned) -------------------------
# clamd's INSTREAM over TCP. Once a host is set, a file is accepted only after clamd says it is clean: an
# unreachable, slow or failing clamd refuses the upload ("try again in a few minutes"). clamd's own
# StreamMaxLength must be at least the largest document size cap (RequiredDocument.max_size_mb).
CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
CLAMD_TIMEOUT = float(env_str("CLAMD_TIMEOUT", "10"))

# --- The conversation engine ----------------------------------------------------------------------------
# Off, citizens' messages are still filed (and media fetched), but only officers answer them.
CONVERSATION_ENGINE_ENABLED = env_bool("CONVERSATION_ENGINE_ENABLED", True)

# Payments. PAYMENT_GATEWAY: "sandbox" (a checkout page inside govchat; the embedded default) or "razorpay".
PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "sandbox")
PAYMENT_LINK_MINUTES = env_int("PAYMENT_LINK_MINUTES", 60)  # a checkout link expires after this
PAYMENT_RECONCILE_AFTER_MINUTES = env_int("PAYMENT_RECONCILE_AFTER_MINUTES", 5)  # then beat asks the gateway
PAYMENT_TIMEOUT = float(env_str("PAYMENT_TIMEOUT", "10"))  # seconds, connect and read, for every gateway call
# The sandbox signs its callbacks like a gateway does; in the embedded default the key is derived.
PAYMENT_SANDBOX_SECRET = (
    env_secret("PAYMENT_SANDBOX_SECRET") or hashlib.sha256(f"govchat-payment-sandbox:{SECRET_KEY}".encode()).hexdigest()
)
RAZORPAY_KEY_ID = env_str("RAZORPAY_KEY_ID")
RAZORPAY_KEY_SECRET = env_secret("RAZORPAY_KEY_SECRET")
RAZORPAY_WEBHOOK_SECRET = env_secret("RAZORPAY_WEBHOOK_SECRET")
RAZORPAY_BASE_URL = env_str("RAZORPAY_BASE_URL", "https://api.razorpay.com")

# Applications: a draft not touched for this many days is closed, and the citizen starts afresh.
APPLICATION_DRAFT_DAYS = env_int("APPLICATION_DRAFT_DAYS", 15)

# --- Department portals (apps/portals/) -----------------------------------------------------------------
# Connections come from the admin (PortalConnection rows); for a connector without a row, from this JSON
# object (or the file PORTAL_CONNECTIONS_FILE names), like {"edistrict": {"base_url": "https://...",
# "auth_type": "bearer", "secret": "...", "callback_secret": "...", "field_map": {}, "status_map": {}}}.
PORTAL_CONNECTIONS = json.loads(env_secret("PORTAL_CONNECTIONS", "{}"))
# The demo portal at /demo-portal/<connector>/ answers for every connector configured nowhere else, so the
# status services answer something real in the embedded default. Never in production unless enabled.
PORTAL_DEMO_ENABLED = env_bool("PORTAL_DEMO_ENABLED", not PRODUCTION)
PORTAL_CONNECT_TIMEOUT = float(env_str("PORTAL_CONNECT_TIMEOUT", "5"))
PORTAL_READ_TIMEOUT = float(env_str("PORTAL_READ_TIMEOUT", "20"))
# Attempts before an application waiting for a portal is flagged for an officer; between attempts
# 1, 2, 4, ... minutes, at most PORTAL_BACKOFF_MAX_MINUTES.
PORTAL_MAX_ATTEMPTS = env_int("PORTAL_MAX_ATTEMPTS", 16)
PORTAL_BACKOFF_MAX_MINUTES = env_int("PORTAL_BACKOFF_MAX_MINUTES", 60)
# Applications at a portal with no news for this long are asked about (when callbacks were lost).
PORTAL_POLL_AFTER_MINUTES = env_int("PORTAL_POLL_AFTER_MINUTES", 360)

# --- OpenAI-compatible endpoint (off unless a key is set) ----------------------------------------------
OPENAI_API_KEY = env_secret("OPENAI_API_KEY")
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL") or None
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o-mini")
OPENAI_TIMEOUT = float(env_str("OPENAI_TIMEOUT", "15"))
OPENAI_TRANSCRIBE_MODEL = env_str("OPENAI_TRANSCRIBE_MODEL", "whisper-1")
OPENAI_ENABLED = bool(OPENAI_API_KEY)

# --- Internationalisation -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hi", _("Hindi"))]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "hi")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# --- Security -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", PRODUCTION) else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # other services share gov.in subdomains; opt in per deployment
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_heyoo": {"()": "apps.core.logging.DropHeyooLogs"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_heyoo"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # fontTools logs hundreds of INFO lines for every PDF it subsets (certificates, receipts).
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
