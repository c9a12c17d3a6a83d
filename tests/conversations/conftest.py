from collections.abc import Iterator

import pytest

from apps.conversations.understanding import catalogue_index_from_data
from apps.services.services import catalogue_read, service_data_from_file
from tests.fakes.openai import OpenAIFake


@pytest.fixture(scope="session")
def index():
    """The shipped catalogue's index, read from the files (no database), built once for the session."""
    departments = catalogue_read()
    services = [
        service_data_from_file(row, department_code=department["code"])
        for department in departments
        for row in department["services"]
    ]
    return catalogue_index_from_data(services, departments)


@pytest.fixture
def openai_fake() -> Iterator[OpenAIFake]:
    """A running OpenAI-compatible fake on 127.0.0.1, stopped after the test."""
    fake = OpenAIFake()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def llm_settings(settings, openai_fake):
    """OpenAI configured and pointed at the fake, with a short timeout."""
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_ENABLED = True
    settings.OPENAI_BASE_URL = openai_fake.base_url
    settings.OPENAI_MODEL = "fake-model"
    settings.OPENAI_TIMEOUT = 1.0
    return settings
