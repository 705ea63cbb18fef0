"""Every bad input is quarantined with a clear reason; the rest of the batch goes on; inputs stay untouched."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipeline.deps import build_deps
from tests import badfiles
from tests.integration.helpers import cli_json

pytestmark = pytest.mark.slow


def test_bad_inputs_are_quarantined_and_the_batch_goes_on(home: Path, samples: Path, tmp_path: Path, config):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = next((samples / "scans").glob("*GKS*"))
    shutil.copy(good, inbox / "good.png")
    badfiles.empty(inbox / "empty.png")
    badfiles.truncated_jpeg(inbox / "truncated.jpg", next((samples / "scans").glob("*.jpg")))
    badfiles.corrupt_pdf(inbox / "corrupt.pdf")
    badfiles.encrypted_pdf(inbox / "encrypted.pdf")
    deps = build_deps(config)
    badfiles.signed_pdf(inbox / "signed.pdf", deps.signer)
    deps.close()
    badfiles.png_bomb(inbox / "bomb.png")
    badfiles.not_an_image(inbox / "notes.txt")
    (tmp_path / "outside.png").write_bytes(good.read_bytes())
    (inbox / "manifest.csv").write_text(
        "file,owner_id\n"
        "good.png,\nempty.png,\ntruncated.jpg,\ncorrupt.pdf,\nencrypted.pdf,\nsigned.pdf,\nbomb.png,\nnotes.txt,\n"
        "../outside.png,\nmissing.png,\ngood.png,12345\n",
        encoding="utf-8",
    )
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()}

    rc, data = cli_json(home, "batch", "run", str(inbox), "--json")
    assert rc == 1  # some items failed
    by_input: dict[str, dict] = {}
    for d in data["documents"]:
        by_input.setdefault(d["input"], d)
    assert by_input["good.png"]["status"] == "archived"
    # an already-signed PDF is an electronic original (issue 19): kept, validated, and here (a blank page the
    # demo agency signed) sent to review for what it does not say, not quarantined
    assert by_input["signed.pdf"]["status"] == "needs_review"
    expected = {
        "empty.png": "empty_file",
        "truncated.jpg": "unreadable_image",
        "corrupt.pdf": "unreadable_image",
        "encrypted.pdf": "encrypted_pdf",
        "bomb.png": "decompression_bomb",
        "notes.txt": "unsupported_format",
        "../outside.png": "outside_input",
        "missing.png": "missing_file",
    }
    docs = data["documents"]
    for name in expected:
        d = by_input[name]
        assert d["status"] == "quarantined", name
        assert d["reason"] and " / " in d["reason"], name  # Vietnamese / English
    assert docs[-1]["status"] == "quarantined" and "định danh" in docs[-1]["reason"]  # owner ID 12345
    assert data["totals"]["quarantined"] == len(expected) + 1 and data["totals"]["archived"] == 1

    # the quarantine folder has each item's bytes and its reason; the inbox is untouched
    qdir = home / "quarantine" / data["batch_id"]
    reasons = {
        json.loads(p.read_text())["input"]: json.loads(p.read_text())["reason_code"] for p in qdir.glob("*/reason.json")
    }
    for name, code in expected.items():
        assert reasons[name] == code
    assert (qdir / "0005" / "files" / "encrypted.pdf").read_bytes() == (inbox / "encrypted.pdf").read_bytes()
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.iterdir()} == before

    # a second run quarantines the same items again and archives nothing twice
    rc, data2 = cli_json(home, "batch", "run", str(inbox), "--json")
    assert rc == 1
    assert next(d["status"] for d in data2["documents"]) == "duplicate"
