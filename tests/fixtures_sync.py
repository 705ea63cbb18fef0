"""Fixtures of the national warehouse sync: a simulator per test (``tests.sync_data``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sync_data import Simulator, start_simulator, stop


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    sim = start_simulator()
    yield sim
    stop(sim)
