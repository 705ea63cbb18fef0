"""The ``kpi_catalog`` fixture: a catalog seeded by ``tests.kpi_seed`` (values computed by hand), on both backends."""

from __future__ import annotations

import pytest

from catalog.db import Catalog
from tests.kpi_seed import seed_kpi


@pytest.fixture
def kpi_catalog(catalog_url: str):
    c = Catalog(catalog_url)
    seed_kpi(c)
    yield c
    c.close()
