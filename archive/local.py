"""The embedded object store: a folder on local disk, write-once, checksummed, crash-safe.

``ROOT/objects/<key>`` holds the bytes (read-only once written) and ``ROOT/meta/<key>.json`` its SHA-256,
BLAKE3 (the per-read check, see ``get``), size, type, retention and legal hold. A write goes to a file in
``ROOT/tmp`` — without a name where Linux allows (``O_TMPFILE``), so a crash mid-write leaves nothing to clean
up — is fsynced, then hard-linked into place: linking fails if the key exists, so two writers can never both
win and a crash never leaves a half-written object under its key. New folders are flushed into their
parents. The metadata file is linked the same way but not fsynced on its own; if a crash loses it, it is
rebuilt from the object (under legal hold).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive import digests, fsutil
from archive.digests import PARALLEL_HASH_BYTES
from archive.errors import ObjectConflict, ObjectCorrupted, ObjectLocked, ObjectMissing, StorageUnavailable
from archive.store import ObjectStore, StoredObject, check_key

META_GRACE_S = 2.0
"""How long after an object is linked a missing metadata file is taken for one still being written."""


class LocalStore(ObjectStore):
    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root.resolve()
        self.url = "file://" + str(self.root)
        self.fsync = fsync
        self._pending_dirs: set[str] | None = None
        try:
            for sub in ("objects", "meta", "tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
            self._unnamed = self._unnamed_files_work()
        except OSError as e:
            raise StorageUnavailable(
                f"cannot use store folder {self.root}: {e}", f"không dùng được thư mục kho {self.root}: {e}"
            ) from e

    def _obj(self, key: str) -> Path:
        return Path(self._obj_name(key))

    def _meta(self, key: str) -> Path:
        return Path(self._meta_name(key))

    # The write path spells file names as strings: pathlib's object churn was a visible share of an upload's
    # CPU, and a document's writes share the interpreter lock.
    def _obj_name(self, key: str) -> str:
        return f"{self.root}/objects/{check_key(key)}"

    def _meta_name(self, key: str) -> str:
        return f"{self.root}/meta/{check_key(key)}.json"

    def _write_new(self, dest: str, data: bytes, durable: bool = True) -> bool:
        """Create ``dest`` with ``data`` atomically; False if it already exists."""
        sync = self.fsync and durable
        created = self._write_named(dest, data, sync)
        if created and sync:
            self._flush_folder(os.path.dirname(dest))
        return created

    def _flush_folder(self, folder: str) -> None:
        """Make ``folder``'s entries durable: now, or at the end of the current ``durable_group``."""
        if self._pending_dirs is not None:
            self._pending_dirs.add(folder)
        else:
            fsutil.fsync_dir(folder)

    def _make_folders(self, folder: str, sync: bool) -> None:
        """Create ``folder`` and its missing parents; with ``sync``, each new one's entry is made durable too."""
        new = []
        while not os.path.isdir(folder):
            new.append(folder)
            folder = os.path.dirname(folder)
        for d in reversed(new):
            try:
                os.mkdir(d)
            except FileExistsError:  # another writer of the same owner or document
                continue
            if sync:
                self._flush_folder(os.path.dirname(d))

    @contextmanager
    def durable_group(self) -> Iterator[None]:
        """Objects written inside are durable when the block ends: each file is flushed as it is
        written, their folders once at the end — one journal commit per document instead of one per
        object. The stage writes a document's objects in one group, then catalogues them."""
        if self._pending_dirs is not None:  # nested: the outer group flushes
            yield
            return
        self._pending_dirs = set()
        try:
            yield
        finally:
            dirs, self._pending_dirs = self._pending_dirs, None
            for d in sorted(dirs):
                fsutil.fsync_dir(d)

    def _write_named(self, dest: str, data: bytes, sync: bool) -> bool:
        """Write ``data`` to a file without a name (or a temp name), flush it, make it read-only, then give it
        the name ``dest`` by a hard link: False if ``dest`` exists (linking never replaces)."""
        fd, tmp = self._temp_file()
        try:
            fsutil.write_all(fd, data)
            if sync:
                os.fsync(fd)
            return self._publish(fd, tmp, dest, sync)
        finally:
            fsutil.discard(fd, tmp)

    def _publish(self, fd: int, tmp: str | None, dest: str, sync: bool) -> bool:
        """Make the written temp file read-only and link it as ``dest``; False if ``dest`` exists."""
        os.fchmod(fd, 0o444)
        source = tmp or f"/proc/self/fd/{fd}"
        try:
            return fsutil.link(source, dest)
        except FileNotFoundError:  # the owner's or the document's first object (or a writer beside it)
            self._make_folders(os.path.dirname(dest), sync)
            return fsutil.link(source, dest)

    def _temp_file(self) -> tuple[int, str | None]:
        """A new file open for reading and writing in ``tmp/``, and its temp name — None when it has none (Linux
        ``O_TMPFILE``): then a crash mid-write leaves nothing behind to clean up."""
        if self._unnamed:
            return os.open(f"{self.root}/tmp", os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600), None
        fd, tmp = tempfile.mkstemp(dir=f"{self.root}/tmp")  # read-write too: put_file hashes it back
        return fd, tmp

    def _unnamed_files_work(self) -> bool:
        """Whether this folder takes unnamed temp files that can be linked in later: Linux with a
        filesystem that supports ``O_TMPFILE`` and ``/proc`` mounted. Tried once, on a throwaway file."""
        if not hasattr(os, "O_TMPFILE"):
            return False
        probe = f"{self.root}/tmp/.probe-{os.getpid()}-{threading.get_ident()}"
        try:
            fd = os.open(f"{self.root}/tmp", os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)  # as _temp_file
        except OSError:
            return False
        try:
            fsutil.link(f"/proc/self/fd/{fd}", probe)
            os.unlink(probe)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        retain_until: datetime | None = None,
        legal_hold: bool = False,
    ) -> StoredObject:
        pending = digests.digests_beside(data) if len(data) >= PARALLEL_HASH_BYTES else None
        digest, quick = digests.digests(data) if pending is None else (None, None)
        try:
            created = self._write_new(self._obj_name(key), data)
        except OSError as e:
            raise StorageUnavailable(f"cannot write {key}: {e}", f"không ghi được {key}: {e}") from e
        finally:
            if pending is not None:
                digest, quick = pending[0].result(), pending[1].result()
        assert digest is not None and quick is not None
        return self._record(key, created, digest, quick, len(data), content_type, metadata, retain_until, legal_hold)

    def put_file(
        self,
        key: str,
        path: str | Path,
        *,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        retain_until: datetime | None = None,
        legal_hold: bool = False,
    ) -> StoredObject:
        """``put`` of a file's content without reading it into memory. The kernel copies the file into the
        store (``copy_file_range``), and its SHA-256 and BLAKE3 are read back from the copy — the bytes that
        are kept — on helper threads while it is flushed. A change to the source during the copy therefore
        cannot make the recorded digests disagree with the stored bytes."""
        src = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # a missing source is the caller's error, as with put
        try:
            length = os.fstat(src).st_size
            if length < PARALLEL_HASH_BYTES:
                data = fsutil.read_exactly(src, length)
                return self.put(
                    key,
                    data,
                    content_type=content_type,
                    metadata=metadata,
                    retain_until=retain_until,
                    legal_hold=legal_hold,
                )
            dest = self._obj_name(key)
            fd, tmp = self._temp_file()
            try:
                size = fsutil.copy_file(src, fd)
                helpers = digests.helpers()
                pending = (
                    helpers.submit(digests.file_digest, fd, size, False),
                    helpers.submit(digests.file_digest, fd, size, True),
                )
                try:
                    if self.fsync:
                        os.fsync(fd)
                finally:
                    digest, quick = pending[0].result(), pending[1].result()  # before the file is closed
                if digest is None or quick is None:
                    raise OSError(f"the copy of {path} changed while it was hashed")
                created = self._publish(fd, tmp, dest, self.fsync)
            finally:
                fsutil.discard(fd, tmp)
        except OSError as e:
            raise StorageUnavailable(f"cannot write {key}: {e}", f"không ghi được {key}: {e}") from e
        finally:
            os.close(src)
        if created and self.fsync:
            self._flush_folder(os.path.dirname(dest))
        return self._record(key, created, digest, quick, size, content_type, metadata, retain_until, legal_hold)

    def _record(
        self,
        key: str,
        created: bool,
        digest: str,
        quick: str,
        size: int,
        content_type: str,
        metadata: dict[str, str] | None,
        retain_until: datetime | None,
        legal_hold: bool,
    ) -> StoredObject:
        """After the bytes are in place: the object's metadata file, or, if the key was taken, the existing
        object when it holds the same bytes (ObjectConflict otherwise)."""
        if not created:
            existing = self.stat(key)
            if existing is None or existing.sha256 != digest:
                raise ObjectConflict(
                    f"{key} already holds different content; the warehouse is write-once",
                    f"{key} đã lưu nội dung khác; kho lưu trữ chỉ ghi một lần",
                )
            return existing
        obj = StoredObject(
            key,
            digest,
            size,
            content_type,
            datetime.now(UTC),
            retain_until,
            dict(metadata or {}),
            legal_hold=legal_hold,
        )
        self._write_meta(obj, quick)
        return obj

    def _write_meta(self, obj: StoredObject, blake3_hex: str | None, *, replace_existing: bool = False) -> None:
        meta = {
            "sha256": obj.sha256,
            "blake3": blake3_hex,
            "size": obj.size,
            "content_type": obj.content_type,
            "stored_at": obj.stored_at.isoformat() if obj.stored_at else None,
            "retain_until": obj.retain_until.isoformat() if obj.retain_until else None,
            "metadata": obj.metadata,
            "legal_hold": obj.legal_hold,
        }
        data = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode()  # one line: C encoder
        if replace_existing:
            self._write_over(self._meta(obj.key), data)
        else:
            # Not fsynced on its own (the object is): half the flushes per write. Lost or torn in a
            # crash, it is rebuilt from the object by ``stat`` — conservatively, under legal hold.
            self._write_new(self._meta_name(obj.key), data, durable=False)

    def _write_over(self, dest: Path, data: bytes) -> None:
        """Atomically replace ``dest`` (repair only): temp file, fsync, rename over the damaged one."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        finally:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass

    def stat(self, key: str) -> StoredObject | None:
        found = self._load(key)
        return found[0] if found else None

    def _load(self, key: str) -> tuple[StoredObject, str | None] | None:
        """The object's record and its BLAKE3 (None when written before BLAKE3 was kept); None if absent."""
        path = self._obj(key)
        try:
            linked_at = path.stat().st_ctime
        except FileNotFoundError:
            return None
        found = self._read_meta(key)
        # A writer links the object, then its metadata a moment later: on a new object a missing record is
        # most likely being written (by another worker, or a redelivered job), not lost, so it is waited for.
        while found is None and time.time() < linked_at + META_GRACE_S:
            time.sleep(0.01)
            found = self._read_meta(key)
        if found is not None:
            return found
        # Crash between the object and its metadata: the object is complete (fsynced, linked atomically).
        # Its retention is unknown here (the catalog ledger has it), so it is held until a person decides.
        data = path.read_bytes()
        digest, quick = digests.digests(data)
        obj = StoredObject(
            key,
            digest,
            len(data),
            "application/octet-stream",
            datetime.fromtimestamp(path.stat().st_mtime, UTC),
            metadata={"rebuilt": "metadata lost in a crash, rebuilt from the object"},
            legal_hold=True,
        )
        self._write_meta(obj, quick, replace_existing=True)
        return obj, quick

    def _read_meta(self, key: str) -> tuple[StoredObject, str | None] | None:
        """The record in ``meta/<key>.json``; None if it is missing or unreadable."""
        try:
            m = json.loads(self._meta(key).read_text())
            return StoredObject(
                key,
                m["sha256"],
                m["size"],
                m.get("content_type", "application/octet-stream"),
                datetime.fromisoformat(m["stored_at"]) if m.get("stored_at") else None,
                datetime.fromisoformat(m["retain_until"]) if m.get("retain_until") else None,
                m.get("metadata") or {},
                legal_hold=bool(m.get("legal_hold")),
            ), m.get("blake3")
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def get(self, key: str, *, verify: bool = True) -> bytes:
        """The bytes, checked on every read against the BLAKE3 recorded when they were written (SHA-256 for
        objects written before BLAKE3 was kept).

        Both digests are taken of the same bytes at write time and both are cryptographic, so bytes that match
        the BLAKE3 also have the recorded SHA-256 — the checksum of the catalog, the S3 header, the mirror and
        BagIt. BLAKE3 runs at about 4× SHA-256's speed on one core. The fixity audit (``verify=False``)
        recomputes SHA-256 itself.

        From ``PARALLEL_HASH_BYTES`` on, a helper thread hashes the file while this one reads it: both read
        the same open file (the same inode: a repair renames a new file in, it never writes into this one),
        through the same page cache, so the check sees the bytes returned, at the cost of the slower of the
        two reads instead of their sum. Only if the kernel dropped those pages between the two reads and
        the disk then returned other bytes could they differ, and the nightly fixity audit would find such a disk."""
        found = self._load(key)
        if found is None:
            raise ObjectMissing(f"{key} is not in the store", f"{key} không có trong kho")
        obj, quick = found
        try:
            fd = os.open(self._obj_name(key), os.O_RDONLY | os.O_CLOEXEC)
        except OSError as e:
            raise StorageUnavailable(f"cannot read {key}: {e}", f"không đọc được {key}: {e}") from e
        try:
            size = os.fstat(fd).st_size
            beside = None
            if verify and size >= PARALLEL_HASH_BYTES:
                beside = digests.helpers().submit(digests.file_digest, fd, size, quick is not None)
            try:
                data = fsutil.read_exactly(fd, size)
            finally:
                digest = beside.result() if beside is not None else None  # before the file is closed
        except OSError as e:
            raise StorageUnavailable(f"cannot read {key}: {e}", f"không đọc được {key}: {e}") from e
        finally:
            os.close(fd)
        if beside is not None:
            intact = len(data) == size and digest == (quick or obj.sha256)
        else:
            intact = not verify or digests.matches(data, obj.sha256, quick)
        if not intact:
            raise ObjectCorrupted(
                f"{key}: stored bytes do not match the checksum recorded when they were written",
                f"{key}: dữ liệu lưu không khớp mã băm đã ghi nhận khi lưu",
            )
        return data

    def path(self, key: str) -> Path:
        """Local file of an object (for streaming it to a viewer)."""
        return self._obj(key)

    def locate(self, key: str) -> str:
        return str(self._obj(key))

    def presigned_get(self, key: str, expires: timedelta) -> str | None:
        return None  # a folder on disk has no URLs to share

    def delete(self, key: str) -> None:
        obj = self.stat(key)
        if obj is None:
            raise ObjectMissing(f"{key} is not in the store", f"{key} không có trong kho")
        if obj.legal_hold or (obj.retain_until is not None and obj.retain_until > datetime.now(UTC)):
            until = "legal hold" if obj.legal_hold else obj.retain_until.isoformat()  # type: ignore[union-attr]
            raise ObjectLocked(
                f"{key} is retained ({until}); the warehouse refuses to delete it",
                f"{key} đang trong thời hạn lưu trữ ({until}); kho không cho xóa",
            )
        self._obj(key).unlink()
        self._meta(key).unlink(missing_ok=True)

    def set_legal_hold(self, key: str, on: bool) -> None:
        found = self._load(key)
        if found is None:
            raise ObjectMissing(f"{key} is not in the store", f"{key} không có trong kho")
        obj, quick = found
        self._write_meta(replace(obj, legal_hold=on), quick, replace_existing=True)

    def restore(
        self, key: str, data: bytes, *, retain_until: datetime | None = None, legal_hold: bool = False
    ) -> StoredObject:
        """The caller has checked ``data`` against the catalog; its SHA-256 becomes the recorded one, and
        the catalog's retention and hold are kept."""
        digest, quick = digests.digests(data)
        old = self.stat(key) if self._meta(key).exists() else None
        base = old or StoredObject(key, digest, len(data), stored_at=datetime.now(UTC))
        obj = replace(
            base,
            sha256=digest,
            size=len(data),
            retain_until=base.retain_until or retain_until,
            legal_hold=legal_hold or base.legal_hold,  # a repair never lifts a hold
        )
        try:
            self._write_over(self._obj(key), data)
            self._write_meta(obj, quick, replace_existing=True)  # the BLAKE3 too: it may be the damaged part
        except OSError as e:
            raise StorageUnavailable(f"cannot write {key}: {e}", f"không ghi được {key}: {e}") from e
        return obj

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = self.root / "objects"
        for p in sorted(base.rglob("*")):
            if p.is_file():
                key = p.relative_to(base).as_posix()
                if key.startswith(prefix):
                    yield key
