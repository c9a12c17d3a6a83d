from collections.abc import Iterator

import pytest

from tests.fakes.clamd import ClamdFake


@pytest.fixture
def clamd_fake(settings) -> Iterator[ClamdFake]:
    """A running ClamdFake that the settings point at (timeout 0.5 s, so the slow mode times out quickly)."""
    fake = ClamdFake(slow_seconds=3.0)
    fake.start()
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = fake.host, fake.port, 0.5
    try:
        yield fake
    finally:
        fake.stop()


# The chat tests drive the apply journey through the real webhook path, with the conversation tests' phone.
from tests.conversations.conftest import catalogue, catalogue_files, chat  # noqa: E402, F401
from tests.whatsapp.conftest import _whatsapp_settings, numbers, post_webhook  # noqa: E402, F401
