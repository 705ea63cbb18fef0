"""``sohoa export`` (BagIt) and ``sohoa nightly fixity`` from the command line, on a small warehouse
filled directly (no OCR): a catalog with archived documents and their objects in the local store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import bagit
import pytest
from typer.testing import CliRunner

from archive.config import StoreConfig
from archive.layout import document_keys, owner_key
from archive.store import open_store
from catalog.db import Catalog
from catalog.status import Status
from catalog.warehouse import record_object
from pipeline.cli import app


@dataclass
class Proc:
    returncode: int
    stdout: str
    stderr: str


def cli(home: Path, *args: str, check: bool = False) -> Proc:
    """Run ``sohoa`` in this process (a subprocess per call would cost seconds of imports each)."""
    r = CliRunner().invoke(app, list(args), env={"SOHOA_HOME": str(home)})
    proc = Proc(r.exit_code, r.stdout, r.stderr)
    if check and r.exit_code != 0:
        raise AssertionError(f"sohoa {' '.join(args)} -> {r.exit_code}\n{r.stdout}\n{r.stderr}")
    return proc


OWNER = "037096014589"
OTHER = "036188001234"
SECRET = b"test-owner-key-secret"


def okey(owner: str) -> str:
    """The owner's opaque folder (objects are never filed under the ID number)."""
    return owner_key(owner, SECRET)


def _archive(catalog: Catalog, store, owner: str, dossier: str, n: int) -> str:
    doc_code = f"{dossier}.{n:02d}"
    key = hashlib.sha256(doc_code.encode()).hexdigest()
    keys = document_keys(okey(owner), doc_code)
    catalog.claim(
        key,
        holder="seed",
        batch_id="B1",
        input_name=f"scan{n}.png",
        agency="000.00.00.H42",
        operator="c1",
        kind="result",
        procedure=None,
    )
    catalog.ensure_dossier(dossier, "000.00.00.H42", None, owner)
    objects = {}
    for k, data in (
        (keys.original(1, ".png"), b"PNG scan"),
        (keys.text, "Giấy khai sinh".encode()),
        (keys.pdf, b"%PDF-1.7 signed"),
        (keys.sidecar, b'{"doc": 1}'),
    ):
        obj = store.put(k, data)
        record_object(catalog, key, obj)
        objects[k] = obj.sha256
    catalog.update_document(
        key,
        status=Status.ARCHIVED,
        owner_id=owner,
        doc_code=doc_code,
        dossier_code=dossier,
        ordinal=n,
        objects=objects,
        pdf_key=keys.pdf,
        type_code="GKS",
    )
    catalog.record_event("archived", "c1", doc_key=key, doc_code=doc_code, owner_id=owner)
    return doc_code


@pytest.fixture
def warehouse(home: Path):
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    store = open_store(StoreConfig(url=f"file://{home / 'warehouse'}"))
    codes = [
        _archive(catalog, store, OWNER, "000.00.00.H42-261122-0001", 1),
        _archive(catalog, store, OWNER, "000.00.00.H42-261122-0002", 1),
        _archive(catalog, store, OTHER, "000.00.00.H42-261122-0003", 1),
    ]
    yield catalog, store, codes
    catalog.close()


def test_export_owner_then_verify(home: Path, tmp_path: Path, warehouse):
    catalog, _store, codes = warehouse
    bag_dir = tmp_path / "bag"
    proc = cli(home, "export", "--owner", OWNER, str(bag_dir), "--json", check=True)
    result = json.loads(proc.stdout)
    assert result["documents"] == 2 and result["files"] == 8 and sorted(result["doc_codes"]) == codes[:2]
    bag = bagit.Bag(str(bag_dir))
    assert bag.is_valid() and "sha256" in bag.algorithms
    assert (bag_dir / "manifest-sha256.txt").is_file() and bag.info["External-Identifier"] == OWNER
    doc = bag_dir / "data" / "documents" / codes[0]
    assert (doc / f"{codes[0]}.pdf").read_bytes() == b"%PDF-1.7 signed"
    assert (doc / "original" / "01.png").read_bytes() == b"PNG scan"
    record = json.loads((doc / "catalog.json").read_text())
    assert record["owner_id"] == OWNER and record["status"] == "archived"
    assert [e["action"] for e in json.loads((doc / "events.json").read_text())] == ["archived"]
    assert (bag_dir / "data" / "dossiers" / "000.00.00.H42-261122-0001.json").is_file()
    assert not (bag_dir / "data" / "documents" / codes[2]).exists()  # the other owner's paper stays out
    assert len(catalog.events(action="exported", owner_id=OWNER)) == 2  # the lookup is recorded

    assert cli(home, "export", "--verify", str(bag_dir)).returncode == 0
    (doc / f"{codes[0]}.pdf").write_bytes(b"%PDF-1.7 altered")
    proc = cli(home, "export", "--verify", str(bag_dir), "--json")
    assert proc.returncode == 1 and not json.loads(proc.stdout)["valid"]


def test_export_dossier(home: Path, tmp_path: Path, warehouse):
    _catalog, _store, codes = warehouse
    proc = cli(home, "export", "--dossier", "000.00.00.H42-261122-0003", str(tmp_path / "b"), "--json", check=True)
    assert json.loads(proc.stdout)["doc_codes"] == [codes[2]]


def test_export_refuses_a_corrupted_object_and_leaves_no_bag(home: Path, tmp_path: Path, warehouse):
    _catalog, store, codes = warehouse
    path = store.path(document_keys(okey(OWNER), codes[0]).pdf)
    path.chmod(0o644)
    path.write_bytes(b"%PDF-1.7 rotten")
    proc = cli(home, "export", "--owner", OWNER, str(tmp_path / "bag"))
    assert proc.returncode == 5 and "object_corrupted" in proc.stderr
    assert not (tmp_path / "bag").exists() and not (tmp_path / "bag.partial").exists()


def test_export_usage_and_unknown_owner(home: Path, tmp_path: Path, warehouse):
    assert cli(home, "export", str(tmp_path / "x")).returncode == 2
    proc = cli(home, "export", "--owner", "001099000000", str(tmp_path / "x"))
    assert proc.returncode == 3 and "001099000000" not in proc.stderr  # the ID is masked


def test_nightly_fixity_cli_repairs_and_reports(home: Path, tmp_path: Path, warehouse):
    _catalog, store, codes = warehouse
    path = store.path(document_keys(okey(OWNER), codes[0]).pdf)
    path.chmod(0o644)
    path.write_bytes(b"rotten")
    # no mirror: a damaged copy without a good one is lost, exit 1
    proc = cli(home, "nightly", "fixity", "--json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["lost"] == 1 and report["summary"]["checked"] == 12
    # with --sample, the next run takes the objects checked longest ago
    proc = cli(home, "nightly", "fixity", "--sample", "3")
    assert proc.returncode in (0, 1) and "checked=3" in proc.stdout
