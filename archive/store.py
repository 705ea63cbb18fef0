"""The ``ObjectStore`` protocol every backend implements, and ``open_store(url)``."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import unquote, urlparse

from archive.config import StoreConfig
from archive.errors import InvalidKey, UnsupportedStore

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*$")


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    content_type: str = "application/octet-stream"
    stored_at: datetime | None = None
    retain_until: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    legal_hold: bool = False
    retention_mode: str | None = None
    version_id: str | None = None  # S3 version of the object (None on the local store)


class ObjectStore(Protocol):
    """Write-once object storage: a key, once written, keeps its bytes.

    Every store subclasses this protocol, so the optional capabilities (``put_file``, ``durable_group``) are
    methods with defaults here that a store overrides where it can do better, never attributes to probe for."""

    url: str

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
        """Store ``data`` under ``key``. The same bytes again is a no-op; different bytes raise ObjectConflict.

        ``retain_until``: no delete or overwrite before then; ``legal_hold``: none until the hold is lifted."""
        ...

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
        """``put`` of a file's content. By default the file's bytes are read and put (S3; a mirrored pair, whose
        two copies must come from the same bytes); the local store copies the file without reading it into
        memory."""
        data = Path(path).read_bytes()
        return self.put(
            key, data, content_type=content_type, metadata=metadata, retain_until=retain_until, legal_hold=legal_hold
        )

    def durable_group(self) -> AbstractContextManager[None]:
        """Group a document's writes so the store may flush them together (see ``LocalStore.durable_group``);
        every object is durable when the block ends. By default nothing is grouped: each write is durable when
        it returns (S3)."""
        return nullcontext()

    def get(self, key: str, *, verify: bool = True) -> bytes:
        """The object's bytes, checked against the digest recorded when they were written (ObjectCorrupted
        otherwise): SHA-256 on S3, BLAKE3 taken beside the SHA-256 on the local store.
        ``verify=False`` is for the fixity audit, which compares with the catalog itself."""
        ...

    def stat(self, key: str) -> StoredObject | None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def locate(self, key: str) -> str:
        """Where a person or another program finds the object (a file path or a URL)."""
        ...

    def presigned_get(self, key: str, expires: timedelta) -> str | None:
        """A URL anyone may GET the object with until ``expires`` from now; None if the store cannot make one."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object whose retention has ended; ObjectLocked while it is retained or held."""
        ...

    def set_legal_hold(self, key: str, on: bool) -> None:
        """Place or lift a legal hold (a court or inspection order): no delete while it is on."""
        ...

    def restore(
        self, key: str, data: bytes, *, retain_until: datetime | None = None, legal_hold: bool = False
    ) -> StoredObject:
        """Repair: make ``data`` (a verified good copy) the object's current content again, with at least the
        given retention and hold. Only the fixity audit calls this; it bypasses write-once for the damaged
        copy, never for the retained original (on S3 that stays as an older version)."""
        ...


T = TypeVar("T")
WRITERS = 4
"""Writes of one document in flight at once (``write_together``)."""
_writers: ThreadPoolExecutor | None = None
_writers_lock = threading.Lock()


def write_together(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run a document's independent writes at once; their results in order. When one fails, the others still
    finish (nothing is left half-done in the background) and the first error is raised.

    On the local store the writes' fsyncs then overlap, and the filesystem journal commits them together
    instead of one after the other; on S3 the PUTs overlap. Use it inside ``durable_group``, and only for
    writes whose order does not matter: what must come last (the sidecar) is written after it returns."""
    global _writers
    if len(calls) <= 1 or threading.current_thread().name.startswith("store-write"):
        return [c() for c in calls]  # one call, or called from a write itself: waiting on the pool could deadlock
    with _writers_lock:
        if _writers is None:
            _writers = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="store-write")
    futures = [_writers.submit(c) for c in calls]
    wait(futures)
    return [f.result() for f in futures]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    if not _KEY_RE.match(key) or ".." in key.split("/") or len(key) > 900:
        raise InvalidKey(f"invalid object key {key!r}", f"khóa đối tượng không hợp lệ {key!r}")
    return key


def local_path_from_url(url: str) -> Path:
    parsed = urlparse(url)
    # file:///abs/path -> /abs/path ; file://rel/path -> rel/path (relative to the working directory)
    path = unquote((parsed.netloc or "") + parsed.path)
    return Path(path)


def open_store(cfg: StoreConfig, environ: Mapping[str, str] | None = None) -> ObjectStore:
    """The store named by ``cfg.url``, wrapped with its mirror when ``cfg.mirror_url`` is set.

    S3 settings and credentials come from ``SOHOA_S3_*`` in ``environ`` (default ``os.environ``)."""
    env = os.environ if environ is None else environ
    primary = _open_one(cfg, cfg.url, env, "SOHOA_S3_")
    if not cfg.mirror_url:
        return primary
    from archive.mirror import MirroredStore

    prefix = "SOHOA_MIRROR_S3_" if any(k.startswith("SOHOA_MIRROR_S3_") for k in env) else "SOHOA_S3_"
    mirror = _open_one(cfg, cfg.mirror_url, env, prefix)
    return MirroredStore(primary, mirror, required=cfg.mirror_required)


def _open_one(cfg: StoreConfig, url: str | None, env: Mapping[str, str], prefix: str) -> ObjectStore:
    if not url:
        raise UnsupportedStore("no store URL configured", "chưa cấu hình địa chỉ kho lưu trữ")
    scheme = urlparse(url).scheme
    if scheme == "file":
        from archive.local import LocalStore

        return LocalStore(local_path_from_url(url), fsync=cfg.fsync)
    if scheme == "s3":
        from archive.s3 import S3Store

        return S3Store.from_config(cfg, url, env, prefix)
    raise UnsupportedStore(
        f"unsupported store URL {url!r}: use file:///path or s3://bucket",
        f"địa chỉ kho lưu trữ không được hỗ trợ {url!r}: dùng file:///đường-dẫn hoặc s3://bucket",
    )
