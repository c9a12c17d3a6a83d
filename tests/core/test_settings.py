import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "govchat" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_(?:str|bool|int|list|secret)\(\s*"([A-Z0-9_]+)"', settings_source))
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.MULTILINE))

    assert read, "the settings read no variables?"
    assert read - listed == set(), "add these to .env.example"
    assert listed - read == set(), "these in .env.example are read by nothing"


def _settings_in_a_fresh_process(env: dict, tmp_path) -> dict:
    """Import the settings with exactly this environment, as a web or worker process would at start."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'db_name': str(s.DATABASES['default']['NAME']),"
        " 'broker': s.CELERY_BROKER_URL, 'storage': s.STORAGES['default']['BACKEND'],"
        " 'cache': s.CACHES['default']['BACKEND'], 'secret': s.SECRET_KEY, 'debug': s.DEBUG,"
        " 'endpoint': getattr(s, 'AWS_S3_ENDPOINT_URL', None)}))"
    )
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    full_env = {**keep, "DJANGO_SETTINGS_MODULE": "govchat.settings", "GOVCHAT_VAR_DIR": str(tmp_path), **env}
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_the_embedded_default_needs_no_server(tmp_path):
    s = _settings_in_a_fresh_process({}, tmp_path)

    assert s["db"] == "django.db.backends.sqlite3" and s["db_name"].startswith(str(tmp_path))
    assert s["broker"] == "filesystem://"
    assert s["storage"] == "django.core.files.storage.FileSystemStorage"
    assert s["cache"].endswith("LocMemCache")
    assert s["debug"] is True
    assert (tmp_path / "broker" / "queue").is_dir()


def test_the_environment_switches_to_the_production_services(tmp_path):
    (tmp_path / "secret_key").write_text("from-a-file-" + "s" * 60 + "\n")

    s = _settings_in_a_fresh_process(
        {
            "GOVCHAT_ENV": "production",
            "DATABASE_URL": "postgres://govchat:pw@db.sdc.internal:5432/govchat",
            "CELERY_BROKER_URL": "amqp://guest:guest@mq.sdc.internal:5672//",
            "REDIS_URL": "redis://cache.sdc.internal:6379/1",
            "AWS_STORAGE_BUCKET_NAME": "govchat-documents",
            "AWS_S3_ENDPOINT_URL": "https://objectstore.sdc.internal",
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        },
        tmp_path,
    )

    assert s["db"] == "django.db.backends.postgresql" and s["db_name"] == "govchat"
    assert s["broker"].startswith("amqp://")
    assert s["storage"] == "storages.backends.s3.S3Storage"
    assert s["endpoint"] == "https://objectstore.sdc.internal"
    assert s["cache"].endswith("RedisCache")
    assert s["secret"] == "from-a-file-" + "s" * 60
    assert s["debug"] is False
