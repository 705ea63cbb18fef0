"""Fixtures of the lookup API: a seeded catalog on both backends, keys per scope, an in-process client."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api_data import make_api


@pytest.fixture
def api(catalog_url: str, tmp_path: Path):
    a = make_api(catalog_url, tmp_path)
    with a.client:
        yield a
    a.catalog.close()


@pytest.fixture
def sqlite_api(tmp_path: Path):
    a = make_api(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path)
    with a.client:
        yield a
    a.catalog.close()
