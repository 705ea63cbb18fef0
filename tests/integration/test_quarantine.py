"""The quarantine keeps every byte of a rejected item: files with the same name in different folders, an input
named ``reason.json`` and rows rejected for a declared value (audit of issue 23)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.integration.helpers import run_inprocess


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_quarantine_copies_never_overwrite_each_other(config, tmp_path: Path, samples: Path):
    inbox = tmp_path / "inbox"
    (inbox / "a").mkdir(parents=True)
    (inbox / "b").mkdir()
    (inbox / "a" / "page.txt").write_text("trang một / page one\n", encoding="utf-8")
    (inbox / "b" / "page.txt").write_text("trang hai / page two\n", encoding="utf-8")
    (inbox / "reason.json").write_text('{"not": "a scan"}\n', encoding="utf-8")
    good = next((samples / "scans").glob("*GKS*"))
    (inbox / "good.png").write_bytes(good.read_bytes())
    (inbox / "manifest.csv").write_text(
        "file,owner_id,procedure\n"
        "a/page.txt|b/page.txt,,\n"  # one document of two files with the same base name
        "reason.json,,\n"  # an input named like the reason file
        "good.png,12345,\n"  # a valid scan on a row with an invalid owner ID
        "good.png,,9.999\n",  # ... and with an invalid procedure code
        encoding="utf-8",
    )
    _report, data = run_inprocess(config, inbox)
    assert [d["status"] for d in data["documents"]] == ["quarantined"] * 4
    qdir = config.quarantine_dir / data["batch_id"]

    def item(n: int) -> tuple[dict, Path]:
        folder = qdir / f"{n:04d}"
        return json.loads((folder / "reason.json").read_text(encoding="utf-8")), folder

    reason, folder = item(1)
    assert reason["reason_code"] == "unsupported_format"
    for rel in ("a/page.txt", "b/page.txt"):
        assert (folder / "files" / rel).read_bytes() == (inbox / rel).read_bytes()
    assert {f["input"]: f["sha256"] for f in reason["files"]} == {
        rel: _sha((inbox / rel).read_bytes()) for rel in ("a/page.txt", "b/page.txt")
    }

    reason, folder = item(2)
    assert reason["input"] == "reason.json" and reason["reason_code"] == "unsupported_format"
    assert (folder / "files" / "reason.json").read_bytes() == (inbox / "reason.json").read_bytes()

    for n in (3, 4):
        reason, folder = item(n)
        assert reason["reason_code"] == "invalid_code", reason
        assert (folder / "files" / "good.png").read_bytes() == good.read_bytes()  # the bytes are kept
        assert reason["files"][0]["sha256"] == _sha(good.read_bytes())
    # the input folder is untouched
    assert (inbox / "reason.json").read_text(encoding="utf-8") == '{"not": "a scan"}\n'
