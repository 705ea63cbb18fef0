import json
import shutil
from pathlib import Path

import pytest

from catalog.db import Catalog
from tests import badfiles
from tests.integration.helpers import cli, cli_json


def test_types_json(home: Path):
    rc, types = cli_json(home, "types", "--json")
    assert rc == 0 and len(types) >= 20
    assert {"code", "name_vi"} <= set(types[0])
    assert "Giấy khai sinh" in {t["name_vi"] for t in types}
    marriage = next(t for t in types if t["code"] == "GCNKH")
    assert marriage["owner_roles"] == ["husband", "wife"] and marriage["forms"]  # both spouses own it


@pytest.mark.slow
def test_ocr_reads_a_scan(home: Path, samples: Path):
    scan = next((samples / "scans").glob("*CCCD*"))
    truth = json.loads(next((samples / "truth").glob("*CCCD*")).read_text())
    rc, data = cli_json(home, "ocr", str(scan), "--json")
    assert rc == 0
    assert truth["owner_id"] in data["text"]
    assert data["pages"][0]["confidence"] > 0.7


def test_ocr_on_a_corrupt_image_is_a_clear_error(home: Path, tmp_path: Path):
    bad = badfiles.truncated_jpeg(tmp_path / "scan.jpg")
    proc = cli(home, "ocr", str(bad))
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert "không đọc được" in proc.stderr and "cannot be decoded" in proc.stderr


@pytest.mark.slow
def test_show_is_audited(home: Path, samples: Path, tmp_path: Path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(next((samples / "scans").glob("*GKS*")), inbox)
    rc, data = cli_json(home, "batch", "run", str(inbox), "--json", "--operator", "clerk-07")
    assert rc == 0
    doc = data["documents"][0]
    proc = cli(home, "show", doc["doc_code"], "--operator", "clerk-09")
    assert proc.returncode == 0 and doc["doc_code"] in proc.stdout
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    viewed = catalog.events(owner_id=doc["owner_id"], action="viewed")
    assert [e.actor for e in viewed] == ["clerk-09"]
    catalog.close()
    assert cli(home, "show", "000.00.00.H42-000101-9999.01").returncode == 10


def test_missing_input_folder(home: Path, tmp_path: Path):
    proc = cli(home, "batch", "run", str(tmp_path / "absent"))
    # the console wraps long lines (a longer tmp path, as under pytest-xdist, moves the break into the phrase)
    assert proc.returncode == 3 and "không tồn tại" in " ".join(proc.stderr.split())


def test_invalid_configuration(home: Path, tmp_path: Path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('agency = "nonsense"\n')
    import os
    import subprocess
    import sys

    env = {**os.environ, "SOHOA_HOME": str(home), "SOHOA_CONFIG": str(bad)}
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "types"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0  # `types` needs no configuration
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "doctor"], capture_output=True, text=True, env=env)
    assert proc.returncode == 9 and "agency" in proc.stderr
