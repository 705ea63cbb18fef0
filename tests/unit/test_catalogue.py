from datetime import date
from pathlib import Path

import pytest

from catalog.errors import CatalogueDataError
from catalog.types import Validity, default_document_types, load_document_types


def test_catalogue_has_the_common_types():
    c = default_document_types()
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


def test_a_procedures_papers_come_in_catalogue_order_for_every_procedure():
    """``required_for`` answers from an index built once: the same papers, in the same order, as a scan of the
    catalogue, for every procedure it names; an unknown procedure has none."""
    c = load_document_types()
    procedures = {p for t in c.types for p in t.procedures}
    assert len(procedures) >= 5
    for p in procedures:
        assert c.required_for(p) == tuple(t for t in c.types if p in t.procedures)
    assert c.required_for("1.999999") == ()
    assert all(c.get(t.code) is t for t in c.types) and c.get("NOPE") is None


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
        load_document_types(bad)


def test_errors_name_the_type_and_the_problem(tmp_path: Path):
    good = (Path(__file__).parents[2] / "catalog" / "data" / "types.toml").read_text(encoding="utf-8")
    cases = {
        "labels for a field the type lacks": (
            "[type.labels]\nid_number = ",
            "[type.labels]\nvalid_until = ",
            "labels given for fields the type does not carry",
        ),
        "a role the label vocabulary does not know": (
            'roles = ["person", "mother", "father", "declarant"]',
            'roles = ["person", "grandmother"]',
            "unknown roles ['grandmother']",
        ),
        "an owner role the type does not print": (
            'owner_roles = ["person"]',
            'owner_roles = ["person", "wife"]',
            "owner_roles ['wife'] are not among the type's roles",
        ),
        "bad procedure code": (
            'procedures = ["1.000894", "1.004222", "2.000815"]',
            'procedures = ["1.0008"]',
            "procedures",
        ),
        "bad result code": ('result_code = "KQ.G15.000031"', 'result_code = "G15-31"', "result_code"),
    }
    for old, new, expected in cases.values():
        bad = tmp_path / "types.toml"
        bad.write_text(good.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(CatalogueDataError) as e:
            load_document_types(bad)
        assert "type GKS (#1)" in str(e.value) and expected in str(e.value)
        assert "không hợp lệ" in e.value.vi


def test_every_type_has_labels_for_its_owner_and_name():
    for t in default_document_types().types:
        if t.code == "BSCT":  # a certified copy carries whatever the copied paper carries
            continue
        assert t.owner_field in t.labels and "full_name" in t.labels, t.code
