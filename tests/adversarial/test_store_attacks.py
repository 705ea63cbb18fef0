"""Attacks on the warehouse and the catalog's backups: object keys that leave their folder, overwrites and deletes of
what is retained, bit rot and tampering, forged or expired download links (on a real S3 server), ID numbers in
object names, damaged or foreign backups."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from archive.config import StoreConfig
from archive.errors import InvalidKey, ObjectConflict, ObjectCorrupted, ObjectLocked
from archive.layout import document_keys, owner_key
from archive.store import open_store
from catalog.db import Catalog
from pipeline.backup import BackupError, backup, restore

pytest_plugins = ["tests.fixtures_s3"]

OWNER = "037096014589"
KEY = f"owners/{owner_key(OWNER, b'adversarial-secret-0123')}/D.01/D.01.pdf"


@pytest.fixture
def local(tmp_path: Path):
    return open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}", fsync=False))


@pytest.fixture
def s3(s3_target):
    return open_store(StoreConfig(url=s3_target.url))


@pytest.mark.parametrize("key", ["../../etc/passwd", "owners/../../x", "/abs/key", "a\x00b", "a\nb", "ö/x", "a/./b"])
def test_object_keys_cannot_leave_the_warehouse(local, key: str):
    with pytest.raises(InvalidKey):
        local.put(key, b"x")


def test_an_archived_object_cannot_be_overwritten(local):
    local.put(KEY, b"%PDF signed")
    with pytest.raises(ObjectConflict):
        local.put(KEY, b"%PDF forged")
    assert local.get(KEY) == b"%PDF signed"


def test_a_retained_object_cannot_be_deleted_on_s3(s3):
    s3.put(KEY, b"%PDF signed", retain_until=datetime.now(UTC) + timedelta(days=30))
    with pytest.raises(ObjectLocked):
        s3.delete(KEY)
    assert s3.get(KEY) == b"%PDF signed"


def test_bit_rot_on_disk_is_caught_on_read(local):
    local.put(KEY, b"%PDF signed copy")
    p = local.path(KEY)
    p.chmod(0o644)
    p.write_bytes(b"%PDF signed cOpy")
    with pytest.raises(ObjectCorrupted):
        local.get(KEY)


def test_a_new_version_forced_behind_the_stores_back_is_caught_on_s3(s3, s3_server):
    s3.put(KEY, b"%PDF signed copy", retain_until=datetime.now(UTC) + timedelta(days=1))
    s3_server.boto3().put_object(Bucket=s3.bucket, Key=KEY, Body=b"%PDF forged copy")
    with pytest.raises(ObjectCorrupted):
        s3.get(KEY)


def test_a_forged_or_expired_download_link_is_refused_by_the_server(s3):
    s3.put(KEY, b"%PDF shared")
    url = s3.presigned_get(KEY, timedelta(seconds=1))
    assert OWNER not in url
    assert httpx.get(url.replace("X-Amz-Expires=1", "X-Amz-Expires=604800")).status_code == 403  # signed expiry
    time.sleep(2.5)
    assert httpx.get(url).status_code == 403


def test_an_id_number_is_never_an_object_folder():
    with pytest.raises(ValueError):
        document_keys(OWNER, "D.01")
    assert OWNER not in document_keys(owner_key(OWNER, b"adversarial-secret-0123"), "D.01").pdf


def test_a_damaged_backup_is_refused_before_anything_is_touched(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    Catalog(url).close()
    saved = Path(backup(url, tmp_path / "b").path)
    db = saved / "catalog.sqlite3"
    db.write_bytes(db.read_bytes()[:-1] + b"\x01")
    before = hashlib.sha256((tmp_path / "catalog.db").read_bytes()).hexdigest()
    with pytest.raises(BackupError, match="checksum"):
        restore(url, saved, force=True)
    assert hashlib.sha256((tmp_path / "catalog.db").read_bytes()).hexdigest() == before


def test_a_backup_of_the_other_database_kind_is_refused(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    Catalog(url).close()
    saved = Path(backup(url, tmp_path / "b").path)
    with pytest.raises(BackupError, match="cannot be restored"):
        restore("postgresql://nobody@127.0.0.1:1/none", saved)


def test_a_forged_manifest_is_refused(tmp_path: Path):
    (tmp_path / "fake").mkdir()
    manifest = {"format": "sohoa-catalog-backup/1", "dialect": "sqlite", "files": {"../../etc/passwd": {"size": 1}}}
    (tmp_path / "fake" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError):
        restore(f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path / "fake")
