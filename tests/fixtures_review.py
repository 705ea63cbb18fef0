"""Fixtures for the review queue and owners: a catalog on each backend."""

from __future__ import annotations

import pytest

from catalog.db import Catalog


@pytest.fixture
def review_catalog(catalog_url: str):
    c = Catalog(catalog_url)
    yield c
    c.close()
