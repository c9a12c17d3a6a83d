"""Pytest fixtures for the Graph API fake.

Use from a test module with ``from tests.fakes.fixtures import graph_fake  # noqa: F401``.
"""

from collections.abc import Iterator

import pytest

from tests.fakes.graph import GraphFake


@pytest.fixture
def graph_fake() -> Iterator[GraphFake]:
    """A fresh, running GraphFake (tokens {"test-token"}, versions v23.0 and up), stopped after the test."""
    fake = GraphFake()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
