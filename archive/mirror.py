"""Two copies on independent media (Circular 05/2025/TT-BNV): every write goes to the primary store, then
to the mirror. Reads come from the primary; a damaged or missing primary object is served from the
mirror (and the nightly fixity audit repairs the primary).

With ``required=False`` a mirror outage does not stop archiving: the write is logged and the nightly
fixity audit copies whatever the mirror lacks. With ``required=True`` the document fails (retryably)
until both copies exist.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta

from archive.errors import ArchiveError, ObjectCorrupted, ObjectMissing
from archive.layout import mask_key
from archive.store import ObjectStore, StoredObject

log = logging.getLogger("sohoa.archive.mirror")


class MirroredStore(ObjectStore):
    def __init__(self, primary: ObjectStore, mirror: ObjectStore, *, required: bool = False) -> None:
        self.primary = primary
        self.mirror = mirror
        self.required = required
        self.url = primary.url

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
        kw = dict(content_type=content_type, metadata=metadata, retain_until=retain_until, legal_hold=legal_hold)
        obj = self.primary.put(key, data, **kw)  # type: ignore[arg-type]
        try:
            self.mirror.put(key, data, **kw)  # type: ignore[arg-type]
        except ArchiveError as e:
            if self.required or not e.retryable:
                raise
            log.warning(
                "mirror %s: %s not copied (%s); the fixity audit will copy it",
                self.mirror.url,
                mask_key(key),
                e.reason_code,
            )
        return obj

    def get(self, key: str, *, verify: bool = True) -> bytes:
        try:
            return self.primary.get(key, verify=verify)
        except (ObjectCorrupted, ObjectMissing) as e:
            if not verify:
                raise
            log.error("primary copy of %s unusable (%s); reading the mirror", mask_key(key), e.reason_code)
            return self.mirror.get(key)

    def stat(self, key: str) -> StoredObject | None:
        return self.primary.stat(key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return self.primary.keys(prefix)

    def locate(self, key: str) -> str:
        return self.primary.locate(key)

    def presigned_get(self, key: str, expires: timedelta) -> str | None:
        return self.primary.presigned_get(key, expires)

    def delete(self, key: str) -> None:
        self.primary.delete(key)
        self.mirror.delete(key)

    def restore(
        self, key: str, data: bytes, *, retain_until: datetime | None = None, legal_hold: bool = False
    ) -> StoredObject:
        return self.primary.restore(key, data, retain_until=retain_until, legal_hold=legal_hold)

    def set_legal_hold(self, key: str, on: bool) -> None:
        self.primary.set_legal_hold(key, on)
        self.mirror.set_legal_hold(key, on)

    @contextmanager
    def durable_group(self) -> Iterator[None]:
        with ExitStack() as stack:
            stack.enter_context(self.primary.durable_group())
            stack.enter_context(self.mirror.durable_group())
            yield


def copies(store: ObjectStore) -> dict[str, ObjectStore]:
    """The independent copies behind a store: ``{"primary": …}`` or ``{"primary": …, "mirror": …}``."""
    if isinstance(store, MirroredStore):
        return {"primary": store.primary, "mirror": store.mirror}
    return {"primary": store}
