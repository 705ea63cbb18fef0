"""The ``ObjectStore`` protocol every backend implements, and ``open_store(url)``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol
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


class ObjectStore(Protocol):
    """Write-once object storage: a key, once written, keeps its bytes."""

    url: str

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        retain_until: datetime | None = None,
    ) -> StoredObject:
        """Store ``data`` under ``key``. The same bytes again is a no-op; different bytes raise ObjectConflict."""
        ...

    def get(self, key: str) -> bytes:
        """The object's bytes, checked against its recorded SHA-256 (ObjectCorrupted otherwise)."""
        ...

    def stat(self, key: str) -> StoredObject | None: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def locate(self, key: str) -> str:
        """Where a person or another program finds the object (a file path or a URL)."""
        ...


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


def open_store(cfg: StoreConfig) -> ObjectStore:
    if not cfg.url:
        raise UnsupportedStore("no store URL configured", "chưa cấu hình địa chỉ kho lưu trữ")
    scheme = urlparse(cfg.url).scheme
    if scheme == "file":
        from archive.local import LocalStore

        return LocalStore(local_path_from_url(cfg.url), fsync=cfg.fsync)
    raise UnsupportedStore(
        f"unsupported store URL {cfg.url!r}: use file:///path",
        f"địa chỉ kho lưu trữ không được hỗ trợ {cfg.url!r}: dùng file:///đường-dẫn",
    )
