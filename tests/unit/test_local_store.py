import os
from pathlib import Path

import pytest

from archive.config import StoreConfig
from archive.errors import InvalidKey, ObjectConflict, ObjectCorrupted, ObjectMissing, UnsupportedStore
from archive.store import open_store, sha256_hex


@pytest.fixture
def store(tmp_path: Path):
    return open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}"))


def test_put_get_stat(store):
    obj = store.put("owners/037096014589/x/a.pdf", b"%PDF-data", content_type="application/pdf")
    assert obj.sha256 == sha256_hex(b"%PDF-data") and obj.size == 9
    assert store.get("owners/037096014589/x/a.pdf") == b"%PDF-data"
    assert store.stat("owners/037096014589/x/a.pdf").content_type == "application/pdf"
    assert list(store.keys("owners/")) == ["owners/037096014589/x/a.pdf"]
    assert store.stat("nope") is None


def test_write_once(store):
    store.put("k/a", b"one")
    assert store.put("k/a", b"one").sha256 == sha256_hex(b"one")  # the same bytes again: a no-op
    with pytest.raises(ObjectConflict):
        store.put("k/a", b"two")
    assert store.get("k/a") == b"one"
    assert not os.access(store.path("k/a"), os.W_OK) or os.geteuid() == 0
    assert oct(store.path("k/a").stat().st_mode & 0o777) == "0o444"


def test_corruption_is_detected_on_read(store):
    store.put("k/b", b"original bytes")
    p = store.path("k/b")
    p.chmod(0o644)
    p.write_bytes(b"original bytez")
    with pytest.raises(ObjectCorrupted):
        store.get("k/b")


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "a b"])
def test_bad_keys_are_refused(store, key):
    with pytest.raises(InvalidKey):
        store.put(key, b"x")


def test_missing_and_unsupported(store):
    with pytest.raises(ObjectMissing):
        store.get("k/none")
    with pytest.raises(UnsupportedStore):
        open_store(StoreConfig(url="ftp://x"))


def test_metadata_lost_in_a_crash_is_rebuilt_under_hold(store, monkeypatch):
    import archive.local as local

    monkeypatch.setattr(local, "META_GRACE_S", 0.0)  # the object is not new any more
    store.put("k/m", b"bytes", content_type="text/plain")
    meta = store.root / "meta" / "k" / "m.json"
    meta.chmod(0o644)
    meta.write_text("")  # torn by a crash
    st = store.stat("k/m")
    assert st.sha256 == sha256_hex(b"bytes") and st.legal_hold and "rebuilt" in st.metadata
    assert store.get("k/m") == b"bytes"


def test_durable_group_flushes_folders_once_and_resets(store, monkeypatch):
    import archive.local as local

    flushed = []
    monkeypatch.setattr(local.fsutil, "fsync_dir", lambda p: flushed.append(Path(p)))
    with store.durable_group(), store.durable_group():  # nested: the outer one flushes
        store.put("owners/1/d/a", b"a")
        store.put("owners/1/d/b", b"b")
        assert not [p for p in flushed if p.parent.name == "1"]
    assert store.root / "objects/owners/1/d" in flushed
    with pytest.raises(RuntimeError), store.durable_group():
        store.put("owners/2/d/a", b"a")
        raise RuntimeError
    assert store.root / "objects/owners/2/d" in flushed  # flushed even when the document failed
    flushed.clear()
    store.put("owners/3/d/a", b"a")  # outside a group: flushed at once
    assert store.root / "objects/owners/3/d" in flushed


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named-temp"])
def test_writes_leave_no_temp_files_and_flush_new_folders(store, monkeypatch, unnamed):
    import archive.local as local

    if unnamed and not store._unnamed:
        pytest.skip("this filesystem has no O_TMPFILE (the named-temp case covers the write)")
    monkeypatch.setattr(store, "_unnamed", unnamed)
    flushed = []
    monkeypatch.setattr(local.fsutil, "fsync_dir", lambda p: flushed.append(Path(p)))
    store.put("owners/9/d/a", b"a")
    objects = store.root / "objects"
    # the new folders' entries in their parents, and the object's own entry
    assert {objects, objects / "owners", objects / "owners/9", objects / "owners/9/d"} <= set(flushed)
    flushed.clear()
    store.put("owners/9/d/b", b"b")
    assert flushed == [objects / "owners/9/d"]  # the folders exist now: only the object's entry
    with pytest.raises(ObjectConflict):
        store.put("owners/9/d/b", b"c")
    assert store.get("owners/9/d/a") == b"a" and store.get("owners/9/d/b") == b"b"
    assert list((store.root / "tmp").iterdir()) == []


def test_metadata_still_being_written_is_waited_for_not_rebuilt(store):
    """Between a writer linking an object and its metadata, a reader (another worker, a redelivered job)
    must not take the record for lost: rebuilding it would put the object under hold and drop its retention."""
    import threading

    obj = store.put("k/w", b"bytes", content_type="text/plain", retain_until=None, metadata={"doc-code": "D"})
    meta = store.root / "meta" / "k" / "w.json"
    saved = meta.read_bytes()
    meta.unlink()  # as just after the writer linked the object
    threading.Timer(0.2, meta.write_bytes, [saved]).start()  # the writer's metadata lands a moment later
    st = store.stat("k/w")
    assert st == obj and not st.legal_hold and "rebuilt" not in st.metadata


def test_keys_in_logs_mask_the_owner():
    from archive.layout import mask_key

    assert mask_key("put owners/037096014589/D.01/D.01.pdf") == "put owners/037******589/D.01/D.01.pdf"
    assert mask_key("dossiers/000.00.00.H42-261122-0001/D.01.json") == "dossiers/000.00.00.H42-261122-0001/D.01.json"


def test_reads_are_checked_with_the_blake3_kept_beside_the_sha256(store):
    import json

    from blake3 import blake3

    store.put("k/q", b"quick check")
    meta = json.loads((store.root / "meta" / "k" / "q.json").read_text())
    assert meta["sha256"] == sha256_hex(b"quick check") and meta["blake3"] == blake3(b"quick check").hexdigest()
    p = store.path("k/q")
    p.chmod(0o644)
    p.write_bytes(b"quick checks")
    with pytest.raises(ObjectCorrupted):
        store.get("k/q")
    assert store.get("k/q", verify=False) == b"quick checks"  # the fixity audit compares SHA-256 itself


def test_objects_written_before_blake3_are_checked_with_sha256(store):
    import json

    store.put("k/old", b"old object")
    meta_path = store.root / "meta" / "k" / "old.json"
    meta = json.loads(meta_path.read_text())
    del meta["blake3"]
    meta_path.chmod(0o644)
    meta_path.write_text(json.dumps(meta))
    assert store.get("k/old") == b"old object"
    p = store.path("k/old")
    p.chmod(0o644)
    p.write_bytes(b"old objecT")
    with pytest.raises(ObjectCorrupted):
        store.get("k/old")
    store.restore("k/old", b"old object")  # a repair records the BLAKE3 again
    assert json.loads(meta_path.read_text())["blake3"] and store.get("k/old") == b"old object"


def test_write_together_keeps_order_and_finishes_every_write_before_raising(store):
    import threading
    import time

    from archive.store import write_together

    started, done = [], []
    gate = threading.Barrier(3, timeout=5)  # three writes really run at once

    def write(i: int, fail: bool = False):
        def call():
            started.append(i)
            gate.wait()
            if fail:
                raise OSError(f"disk gone under write {i}")
            time.sleep(0.05)  # slower than the failing one
            obj = store.put(f"owners/1/d/{i}", b"x%d" % i)
            done.append(i)
            return obj

        return call

    objs = write_together([write(0), write(1), write(2)])
    assert [o.key for o in objs] == ["owners/1/d/0", "owners/1/d/1", "owners/1/d/2"]
    gate.reset()
    with pytest.raises(OSError, match="write 4"):
        write_together([write(3), write(4, fail=True), write(5)])
    assert {3, 5} <= set(done) and store.get("owners/1/d/5") == b"x5"  # the others finished first


def test_write_together_inside_a_write_runs_inline_instead_of_deadlocking():
    from archive.store import WRITERS, write_together

    def outer(i: int):
        return lambda: sum(write_together([lambda: i, lambda: 1]))

    assert write_together([outer(i) for i in range(WRITERS + 2)]) == [i + 1 for i in range(WRITERS + 2)]


@pytest.mark.parametrize("kept", ["blake3", "sha256 only"])
@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "grown"])
def test_large_objects_are_checked_while_they_are_read(store, kept, damage):
    """From PARALLEL_HASH_BYTES on, a helper thread hashes the file beside the read: damage anywhere in it,
    a shorter or a longer file, is still found, for objects with and without a BLAKE3."""
    import json

    from archive.local import PARALLEL_HASH_BYTES

    data = os.urandom(3 * PARALLEL_HASH_BYTES + 12345)
    store.put("k/big", data)
    if kept == "sha256 only":
        meta_path = store.root / "meta" / "k" / "big.json"
        meta = json.loads(meta_path.read_text())
        del meta["blake3"]
        meta_path.chmod(0o644)
        meta_path.write_text(json.dumps(meta))
    assert store.get("k/big") == data
    p = store.path("k/big")
    p.chmod(0o644)
    if damage == "flipped byte":
        i = 2 * PARALLEL_HASH_BYTES + 7  # in the third chunk the helper reads
        p.write_bytes(data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :])
    elif damage == "truncated":
        p.write_bytes(data[:-1])
    else:
        p.write_bytes(data + b"\0")
    with pytest.raises(ObjectCorrupted):
        store.get("k/big")


@pytest.mark.parametrize(
    "refused", [(), ("copy_file_range",), ("copy_file_range", "sendfile"), ("copy_file_range=0", "sendfile")]
)
def test_put_file_copies_in_the_kernel_or_through_a_buffer_and_hashes_the_copy(store, tmp_path, monkeypatch, refused):
    """Where the kernel refuses an in-kernel copy (another filesystem, another OS) or copies nothing (some
    filesystems), the next way is taken; whichever copied it, the digests are those of the stored bytes and
    no temp file is left."""
    import errno
    import json

    from blake3 import blake3

    import archive.local as local

    def refuse(*a, **k):
        raise OSError(errno.EXDEV, "refused")

    for name in refused:
        name, _, nothing = name.partition("=")
        monkeypatch.setattr(local.os, name, (lambda *a, **k: 0) if nothing else refuse)
    data = os.urandom(2 * local.PARALLEL_HASH_BYTES + 999)
    src = tmp_path / "scan.png"
    src.write_bytes(data)
    obj = store.put_file("owners/1/d/a.png", src, content_type="image/png")
    assert obj.sha256 == sha256_hex(data) and obj.size == len(data)
    assert store.get("owners/1/d/a.png") == data
    meta = json.loads((store.root / "meta/owners/1/d/a.png.json").read_text())
    assert meta["blake3"] == blake3(data).hexdigest() and meta["sha256"] == obj.sha256
    assert oct(store.path("owners/1/d/a.png").stat().st_mode & 0o777) == "0o444"
    assert list((store.root / "tmp").iterdir()) == []
