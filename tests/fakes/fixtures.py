"""Pytest fixtures for the Graph API fake.

Registered for the whole suite by ``pytest_plugins`` in tests/conftest.py.
"""

from collections.abc import Iterator

import pytest

from tests.fakes.graph.fake import GraphFake


@pytest.fixture
def graph_fake() -> Iterator[GraphFake]:
    """A fresh, running GraphFake (tokens {"test-token"}, versions v23.0 and up), stopped after the test."""
    fake = GraphFake()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
