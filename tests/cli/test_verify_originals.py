"""``sohoa verify FILE --original`` judges a file as the batch judges an electronic original (issue 19): the exit code
is the verdict of its gravest finding, the JSON its validation report."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import originals_data as od
from tests.integration.test_electronic_originals import demo_signer

pytest_plugins = ["tests.fixtures_pki"]


@pytest.mark.parametrize(
    ("name", "make", "code", "finding"),
    [
        ("valid", lambda data, s: data, 0, None),
        ("overlay", lambda data, s: od.overlay_content(data), 20, "modified_after_signing"),
        ("annotated", lambda data, s: od.add_annotation(data), 20, None),
        ("gap", lambda data, s: od.gap_in_byte_range(data, s), 20, "partial_coverage"),
    ],
)
def test_verify_a_file_as_an_electronic_original(home: Path, tmp_path: Path, sohoa_cli_json, name, make, code, finding):
    signer = demo_signer(home / "pki")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(make(od.sign(od.extract_pdf(), signer), signer))
    rc, report = sohoa_cli_json(home, "verify", str(path), "--original", "--json")
    assert rc == code and report["exit_code"] == code, report["findings"]
    assert report["outcome"] == ("valid" if code == 0 else "review")
    if finding:
        assert finding in {f["code"] for f in report["findings"]}
    assert report["signer_org"].endswith("(DEMO)")


def test_a_self_signed_original_is_untrusted(home: Path, tmp_path: Path, sohoa_cli_json):
    path = tmp_path / "self.pdf"
    path.write_bytes(od.sign(od.extract_pdf(), od.self_signed_signer()))
    rc, report = sohoa_cli_json(home, "verify", str(path), "--original", "--json")
    assert rc == 23 and [f["code"] for f in report["findings"]] == ["untrusted"]
