from datetime import date
from pathlib import Path

import pytest

from catalog.errors import CatalogueDataError
from catalog.types import Validity, default_catalogue, load_catalogue


def test_catalogue_has_the_common_types():
    c = default_catalogue()
    codes = {t.code for t in c.types}
    assert len(codes) >= 20
    for code in (
        "GKS",
        "TLKS",
        "GCNKH",
        "TLKT",
        "GXNTTHN",
        "CCCD",
        "XNCT",
        "GCNQSDD",
        "GCNDKDN",
        "GCNDKHKD",
        "BTNTHPT",
        "LLTP",
        "GPLX",
        "GCNDKX",
        "GPXD",
        "TK",
    ):
        assert code in codes
    assert c.get("GCNDKDN").owner_field == "enterprise_code"
    assert {t.code for t in c.required_for("1.000894")} >= {"GXNTTHN", "CCCD", "TK"}


def test_validity_rules():
    issued = date(2024, 8, 31)
    assert Validity(kind="permanent").valid_until(issued, None) is None
    assert Validity(kind="months", n=6).valid_until(issued, None) == date(2025, 2, 28)
    assert Validity(kind="years", n=1).valid_until(date(2024, 2, 29), None) == date(2025, 2, 28)
    assert Validity(kind="printed").valid_until(issued, date(2030, 1, 1)) == date(2030, 1, 1)
    with pytest.raises(ValueError):
        Validity(kind="months")


def test_invalid_catalogue_is_refused(tmp_path: Path):
    bad = tmp_path / "types.toml"
    bad.write_text('version = "x"\n[[type]]\ncode = "lower"\nname_vi = "x"\n')
    with pytest.raises(CatalogueDataError):
        load_catalogue(bad)
