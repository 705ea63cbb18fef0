"""The embedded object store: a folder on local disk, write-once, checksummed, crash-safe.

``ROOT/objects/<key>`` holds the bytes (read-only once written) and ``ROOT/meta/<key>.json`` its
SHA-256, size, type and retention. A write goes to ``ROOT/tmp``, is fsynced, then hard-linked into
place — linking fails if the key exists, so two writers can never both win and a crash never leaves a
half-written object under its key.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import ObjectConflict, ObjectCorrupted, ObjectMissing, StorageUnavailable
from archive.store import StoredObject, check_key, sha256_hex


class LocalStore:
    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root.resolve()
        self.url = "file://" + str(self.root)
        self.fsync = fsync
        try:
            for sub in ("objects", "meta", "tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageUnavailable(
                f"cannot use store folder {self.root}: {e}", f"không dùng được thư mục kho {self.root}: {e}"
            ) from e

    def _obj(self, key: str) -> Path:
        return self.root / "objects" / check_key(key)

    def _meta(self, key: str) -> Path:
        return self.root / "meta" / (check_key(key) + ".json")

    def _write_new(self, dest: Path, data: bytes) -> bool:
        """Create ``dest`` with ``data`` atomically; False if it already exists."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if self.fsync:
                    f.flush()
                    os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, dest)
            except FileExistsError:
                return False
            if self.fsync:
                dfd = os.open(dest.parent, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
            return True
        finally:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        retain_until: datetime | None = None,
    ) -> StoredObject:
        digest = sha256_hex(data)
        try:
            created = self._write_new(self._obj(key), data)
        except OSError as e:
            raise StorageUnavailable(f"cannot write {key}: {e}", f"không ghi được {key}: {e}") from e
        if not created:
            existing = self.stat(key)
            if existing is None or existing.sha256 != digest:
                raise ObjectConflict(
                    f"{key} already holds different content; the warehouse is write-once",
                    f"{key} đã lưu nội dung khác; kho lưu trữ chỉ ghi một lần",
                )
            return existing
        obj = StoredObject(key, digest, len(data), content_type, datetime.now(UTC), retain_until, dict(metadata or {}))
        self._write_meta(obj)
        return obj

    def _write_meta(self, obj: StoredObject) -> None:
        meta = {
            "sha256": obj.sha256,
            "size": obj.size,
            "content_type": obj.content_type,
            "stored_at": obj.stored_at.isoformat() if obj.stored_at else None,
            "retain_until": obj.retain_until.isoformat() if obj.retain_until else None,
            "metadata": obj.metadata,
        }
        self._write_new(self._meta(obj.key), json.dumps(meta, ensure_ascii=False, indent=1).encode())

    def stat(self, key: str) -> StoredObject | None:
        path = self._obj(key)
        if not path.exists():
            return None
        meta_path = self._meta(key)
        if not meta_path.exists():
            # Crash between the object and its metadata: the object is complete (linked atomically).
            data = path.read_bytes()
            obj = StoredObject(
                key,
                sha256_hex(data),
                len(data),
                "application/octet-stream",
                datetime.fromtimestamp(path.stat().st_mtime, UTC),
            )
            self._write_meta(obj)
            return obj
        m = json.loads(meta_path.read_text())
        return StoredObject(
            key,
            m["sha256"],
            m["size"],
            m.get("content_type", "application/octet-stream"),
            datetime.fromisoformat(m["stored_at"]) if m.get("stored_at") else None,
            datetime.fromisoformat(m["retain_until"]) if m.get("retain_until") else None,
            m.get("metadata") or {},
        )

    def get(self, key: str) -> bytes:
        obj = self.stat(key)
        if obj is None:
            raise ObjectMissing(f"{key} is not in the store", f"{key} không có trong kho")
        data = self._obj(key).read_bytes()
        if sha256_hex(data) != obj.sha256:
            raise ObjectCorrupted(
                f"{key}: stored bytes do not match their SHA-256", f"{key}: dữ liệu lưu không khớp mã băm SHA-256"
            )
        return data

    def path(self, key: str) -> Path:
        """Local file of an object (for streaming it to a viewer)."""
        return self._obj(key)

    def locate(self, key: str) -> str:
        return str(self._obj(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = self.root / "objects"
        for p in sorted(base.rglob("*")):
            if p.is_file():
                key = p.relative_to(base).as_posix()
                if key.startswith(prefix):
                    yield key
