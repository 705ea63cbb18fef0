"""One contract, every backend: the embedded local store, the S3 store (SeaweedFS on loopback, a real S3 server)
and a primary mirrored to a second store. Whatever the backend, a key once written keeps its bytes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from archive.config import StoreConfig
from archive.errors import InvalidKey, ObjectConflict, ObjectCorrupted, ObjectLocked, ObjectMissing
from archive.mirror import MirroredStore
from archive.store import ObjectStore, open_store, sha256_hex

pytest_plugins = ["tests.fixtures_s3"]

KEY = "owners/037096014589/000.00.00.H42-261122-0001.01/000.00.00.H42-261122-0001.01.pdf"


@pytest.fixture(params=["local", "s3", "mirrored"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return request.param


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> ObjectStore:
    if backend == "local":
        return open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}"))
    target = request.getfixturevalue("s3_target")
    if backend == "s3":
        return open_store(StoreConfig(url=target.url))
    return open_store(StoreConfig(url=target.url, mirror_url=f"file://{tmp_path / 'mirror'}"))


def tamper(store: ObjectStore, key: str, data: bytes, request: pytest.FixtureRequest) -> None:
    """Change an object's bytes behind the store's back (bit rot, or someone with raw access)."""
    target = store.primary if isinstance(store, MirroredStore) else store
    if hasattr(target, "path"):
        p = target.path(key)
        p.chmod(0o644)
        p.write_bytes(data)
    else:  # an S3 client with write rights can always add a new version
        request.getfixturevalue("s3_server").boto3().put_object(Bucket=target.bucket, Key=key, Body=data)


def test_put_get_stat(store: ObjectStore):
    obj = store.put(KEY, b"%PDF-1.7 data", content_type="application/pdf", metadata={"doc-code": "x.01"})
    assert obj.sha256 == sha256_hex(b"%PDF-1.7 data") and obj.size == 13
    assert store.get(KEY) == b"%PDF-1.7 data"
    st = store.stat(KEY)
    assert st is not None and st.sha256 == obj.sha256 and st.size == 13
    assert st.content_type == "application/pdf" and st.metadata.get("doc-code") == "x.01"
    assert store.stat("owners/none/x") is None


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024 + 5], ids=["small", "large"])
def test_put_file_stores_the_file_write_once(store: ObjectStore, tmp_path: Path, size: int):
    """``put_file`` (the stage's way for scans and the PDF): same record and bytes as ``put``, write-once."""
    import os

    data = os.urandom(size)
    src = tmp_path / "scan.tif"
    src.write_bytes(data)
    obj = store.put_file(KEY, src, content_type="image/tiff", metadata={"doc-code": "x.01"})
    assert obj.sha256 == sha256_hex(data) and obj.size == size and obj.content_type == "image/tiff"
    assert store.get(KEY) == data and store.stat(KEY).sha256 == obj.sha256
    assert store.put_file(KEY, src).sha256 == obj.sha256  # the same file again: a no-op
    src.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ObjectConflict):
        store.put_file(KEY, src)
    assert store.get(KEY) == data


def test_write_once(store: ObjectStore):
    store.put("k/a", b"one")
    assert store.put("k/a", b"one").sha256 == sha256_hex(b"one")  # the same bytes again: a no-op
    with pytest.raises(ObjectConflict):
        store.put("k/a", b"two")
    assert store.get("k/a") == b"one"


def test_keys_by_prefix(store: ObjectStore):
    for k in ("owners/1/a/x.txt", "owners/1/b/y.txt", "owners/2/c/z.txt"):
        store.put(k, k.encode())
    assert sorted(store.keys("owners/1/")) == ["owners/1/a/x.txt", "owners/1/b/y.txt"]
    assert len(list(store.keys())) == 3


def test_missing_object(store: ObjectStore):
    with pytest.raises(ObjectMissing):
        store.get("k/none")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "a b"])
def test_bad_keys_are_refused(store: ObjectStore, key: str):
    with pytest.raises(InvalidKey):
        store.put(key, b"x")


def test_retention_and_legal_hold_refuse_delete(store: ObjectStore):
    until = datetime.now(UTC) + timedelta(days=3650)
    store.put("k/retained", b"kept ten years", retain_until=until)
    store.put("k/held", b"kept forever", legal_hold=True)
    store.put("k/free", b"no retention")
    st = store.stat("k/retained")
    assert st.retain_until is not None and abs((st.retain_until - until).total_seconds()) < 2
    assert store.stat("k/held").legal_hold
    for key in ("k/retained", "k/held"):
        with pytest.raises(ObjectLocked):
            store.delete(key)
        assert store.stat(key) is not None
    store.delete("k/free")
    assert store.stat("k/free") is None


def test_legal_hold_placed_and_lifted(store: ObjectStore):
    store.put("k/order", b"evidence")
    store.set_legal_hold("k/order", True)
    assert store.stat("k/order").legal_hold
    with pytest.raises(ObjectLocked):
        store.delete("k/order")
    store.set_legal_hold("k/order", False)
    assert not store.stat("k/order").legal_hold
    store.delete("k/order")
    assert store.stat("k/order") is None


def test_corruption_is_detected_on_read(store: ObjectStore, request: pytest.FixtureRequest):
    store.put("k/b", b"original bytes")
    tamper(store, "k/b", b"original bytez", request)
    primary = store.primary if isinstance(store, MirroredStore) else store
    with pytest.raises(ObjectCorrupted):
        primary.get("k/b")
    assert primary.get("k/b", verify=False) == b"original bytez"
    if isinstance(store, MirroredStore):
        assert store.get("k/b") == b"original bytes"  # served from the mirror


def test_restore_repairs_a_damaged_copy(store: ObjectStore, request: pytest.FixtureRequest):
    store.put("k/r", b"good", retain_until=datetime.now(UTC) + timedelta(days=1))
    tamper(store, "k/r", b"evil", request)
    store.restore("k/r", b"good")
    assert store.get("k/r") == b"good"


def test_presigned_get(store: ObjectStore, backend: str):
    store.put(KEY, b"%PDF shared", content_type="application/pdf")
    url = store.presigned_get(KEY, timedelta(minutes=5))
    if backend == "local":
        assert url is None
        return
    r = httpx.get(url)  # a plain HTTP client, no S3 credentials
    assert r.status_code == 200 and r.content == b"%PDF shared"
    assert httpx.get(url.split("?")[0]).status_code in (401, 403)  # without the signature: refused
    sig = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    forged = url[:sig] + ("0" if url[sig] != "0" else "1") + url[sig + 1 :]
    assert httpx.get(forged).status_code == 403  # the server checks the signature
    other_key = url.replace("000.00.00.H42-261122-0001.01.pdf?", "000.00.00.H42-261122-0001.01.txt?")
    assert httpx.get(other_key).status_code == 403  # it signs one object, not its neighbours
    short = store.presigned_get(KEY, timedelta(seconds=4))  # long enough to be used at once on a busy machine
    assert httpx.get(short).status_code == 200
    time.sleep(5.5)
    assert httpx.get(short).status_code == 403  # and its expiry
