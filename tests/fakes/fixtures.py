"""Pytest fixtures for the fakes of outside systems: each a fresh, running fake, closed after the test.

Registered for the whole suite by ``pytest_plugins`` in tests/conftest.py. Where a fake stands for a system that
govchat finds through its settings (Razorpay, clamd), the fixture points the settings at it; a module that
needs more (a portal connection row, OpenAI switched on, a longer timeout) builds its own fixture on these.
"""

from collections.abc import Iterator

import pytest

from tests.fakes.clamd import ClamdFake
from tests.fakes.graph.fake import GraphFake
from tests.fakes.openai import OpenAIFake
from tests.fakes.portal import PortalFake
from tests.fakes.razorpay import RazorpayFake


@pytest.fixture
def graph_fake() -> Iterator[GraphFake]:
    """Meta's Graph API (tokens {"test-token"}, versions v23.0 and up)."""
    with GraphFake() as fake:
        yield fake


@pytest.fixture
def openai_fake() -> Iterator[OpenAIFake]:
    """An OpenAI-compatible endpoint (tests/conversations' ``llm_settings`` points govchat at it)."""
    with OpenAIFake() as fake:
        yield fake


@pytest.fixture
def portal_fake() -> Iterator[PortalFake]:
    """A department portal; a test adds the PortalConnection row that names it."""
    with PortalFake() as fake:
        yield fake


@pytest.fixture
def razorpay_fake(settings) -> Iterator[RazorpayFake]:
    """Razorpay, configured as the payment gateway with its keys and webhook secret (timeout 0.5 s)."""
    with RazorpayFake() as fake:
        settings.PAYMENT_GATEWAY = "razorpay"
        settings.RAZORPAY_BASE_URL = fake.base_url
        settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET = fake.key_id, fake.key_secret
        settings.RAZORPAY_WEBHOOK_SECRET = fake.webhook_secret
        settings.PAYMENT_TIMEOUT = 0.5
        yield fake


@pytest.fixture
def clamd_fake(settings) -> Iterator[ClamdFake]:
    """clamd, configured as the scanner (timeout 0.5 s, so its 3-second slow mode times out quickly)."""
    with ClamdFake(slow_seconds=3.0) as fake:
        settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = fake.host, fake.port, 0.5
        yield fake
