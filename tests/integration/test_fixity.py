"""Fixity audit over both copies: damaged or missing copies are found and repaired from the good one,
each object gets an event, the report is kept in the catalog and in the warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.config import StoreConfig
from archive.store import open_store, sha256_hex
from catalog.db import Catalog
from catalog.warehouse import FixityRun, WarehouseObject, record_object
from pipeline.fixity import audit

pytest_plugins = ["tests.fixtures_s3"]


def _fill(catalog: Catalog, store, n: int = 3) -> list[str]:
    keys = []
    for i in range(n):
        key = f"owners/037096014589/D.{i:02d}/D.{i:02d}.pdf"
        obj = store.put(key, f"document {i}".encode(), retain_until=datetime.now(UTC) + timedelta(days=30))
        record_object(catalog, f"{i:064d}", obj)
        keys.append(key)
    return keys


def _corrupt_file(path: Path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


@pytest.fixture
def catalog(catalog_url: str):
    c = Catalog(catalog_url)
    yield c
    c.close()


def test_local_primary_and_mirror_repaired(catalog: Catalog, tmp_path: Path):
    store = open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}", mirror_url=f"file://{tmp_path / 'mirror'}"))
    k0, k1, _k2 = _fill(catalog, store)
    _corrupt_file(store.primary.path(k0), b"bit rot")  # primary damaged, mirror good
    store.mirror.path(k1).chmod(0o644)
    store.mirror.path(k1).unlink()  # mirror copy lost
    report = audit(catalog, store, actor="tester")
    assert (report.checked, report.ok, report.repaired, report.failed) == (4 - 1, 1, 2, 0)
    assert store.primary.get(k0) == b"document 0" and store.mirror.get(k1) == b"document 1"
    assert {p["key"]: p["copies"] for p in report.problems} == {
        k0: {"primary": "repaired", "mirror": "ok"},
        k1: {"primary": "ok", "mirror": "repaired"},
    }
    events = catalog.events(action="fixity_repaired")
    assert len(events) == 2 and all(e.actor == "tester" for e in events)
    assert len(catalog.events(action="fixity_ok")) == 1
    stored = json.loads(store.get(report.report_key))
    assert stored["repaired"] == 2 and stored["run_id"] == report.run_id
    with catalog.session() as s:
        run = s.get(FixityRun, report.run_id)
        assert run.repaired == 2 and run.report["healthy"]
        assert s.get(WarehouseObject, k1).mirror_status == "repaired"

    again = audit(catalog, store)  # everything is fine now (the first report is not in the ledger)
    assert again.healthy and again.ok == 3 and again.repaired == 0


def test_no_good_copy_is_reported_lost(catalog: Catalog, tmp_path: Path):
    store = open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}", mirror_url=f"file://{tmp_path / 'mirror'}"))
    (k0,) = _fill(catalog, store, 1)
    _corrupt_file(store.primary.path(k0), b"x")
    _corrupt_file(store.mirror.path(k0), b"y")
    report = audit(catalog, store)
    assert report.lost == 1 and not report.healthy
    assert catalog.events(action="fixity_lost")[0].detail["key"] == k0


def test_no_repair_only_reports(catalog: Catalog, tmp_path: Path):
    store = open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}", mirror_url=f"file://{tmp_path / 'mirror'}"))
    (k0,) = _fill(catalog, store, 1)
    _corrupt_file(store.mirror.path(k0), b"y")
    report = audit(catalog, store, repair=False)
    assert report.damaged == 1 and not report.healthy
    assert store.mirror.get(k0, verify=False) == b"y"


def test_sample_takes_the_least_recently_checked(catalog: Catalog, tmp_path: Path):
    store = open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}"))
    keys = _fill(catalog, store, 3)
    first = audit(catalog, store, sample=2)
    second = audit(catalog, store, sample=2)
    checked_first = {e.detail["key"] for e in catalog.events() if e.detail.get("run") == first.run_id}
    checked_second = {e.detail["key"] for e in catalog.events() if e.detail.get("run") == second.run_id}
    assert len(checked_first) == 2 and (set(keys) - checked_first) <= checked_second


def test_s3_object_overwritten_behind_our_back_is_restored(s3_target, s3_server, tmp_path: Path):
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    store = open_store(StoreConfig(url=s3_target.url, mirror_url=f"file://{tmp_path / 'mirror'}"))
    k0, _ = _fill(catalog, store, 2)
    b3 = s3_server.boto3()
    b3.put_object(Bucket=s3_target.bucket, Key=k0, Body=b"forged")  # a new version, unconditional
    report = audit(catalog, store)
    assert report.repaired == 1 and report.healthy
    body = b3.get_object(Bucket=s3_target.bucket, Key=k0, ChecksumMode="ENABLED")
    assert body["Body"].read() == b"document 0" and body["ChecksumSHA256"]
    versions = b3.list_object_versions(Bucket=s3_target.bucket, Prefix=k0)["Versions"]
    assert len(versions) == 3  # original (retained), forged, restored: history is never rewritten
    assert body["ObjectLockMode"] == "COMPLIANCE" and body["ObjectLockRetainUntilDate"]  # the catalog's retention
    assert sha256_hex(store.get(k0)) == sha256_hex(b"document 0")
    catalog.close()


def test_mirror_outage_is_caught_up_by_the_audit(catalog: Catalog, tmp_path: Path, monkeypatch):
    from archive.errors import StorageUnavailable
    from archive.local import LocalStore
    from archive.mirror import MirroredStore

    primary, mirror = LocalStore(tmp_path / "wh"), LocalStore(tmp_path / "mirror")

    def down(*_a, **_k):
        raise StorageUnavailable("mirror unreachable")

    monkeypatch.setattr(mirror, "put", down)
    with pytest.raises(StorageUnavailable):  # required: the document waits for both copies
        MirroredStore(primary, mirror, required=True).put("k/required", b"x")
    store = MirroredStore(primary, mirror)  # not required: archived now, mirrored by the audit
    (k0,) = _fill(catalog, store, 1)
    assert primary.stat(k0) is not None and mirror.stat(k0) is None
    monkeypatch.undo()
    report = audit(catalog, store)
    assert report.repaired == 1 and report.healthy
    assert mirror.get(k0) == b"document 0" and mirror.stat(k0).retain_until is not None
