import pytest

from govchat.celery import app as celery_app

pytest_plugins = ["tests.fakes.fixtures"]  # graph_fake: Meta's Graph API as a real HTTP server


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def celery_eager(on: bool) -> None:
    # With namespace="CELERY" the app reads the prefixed key; `conf.task_always_eager = …` is ignored.
    celery_app.conf["CELERY_TASK_ALWAYS_EAGER"] = on


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks inline; the tests of a real worker switch this off."""
    celery_eager(True)
    yield
    celery_eager(False)
