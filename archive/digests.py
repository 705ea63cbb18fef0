"""Digests of the local store's objects: SHA-256 (the catalog's checksum) and BLAKE3 (the per-read check), taken
on helper threads beside a write, a kernel copy or a read, so an upload costs the slowest of them, not their sum.
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from blake3 import blake3

from archive.store import sha256_hex

PARALLEL_HASH_BYTES = 256 * 1024
"""From this size on, an object's digests are computed in helper threads while its bytes are written, copied
(``put_file``) or read (``get``); also the size of the buffer those threads read a file through."""
_hasher: ThreadPoolExecutor | None = None
_hasher_lock = threading.Lock()  # a document's writes run on several threads (``write_together``)


def blake3_hex(data: bytes) -> str:
    return blake3(data).hexdigest()


def digests(data: bytes) -> tuple[str, str]:
    """(SHA-256, BLAKE3) of ``data``, hex."""
    return sha256_hex(data), blake3_hex(data)


def helpers() -> ThreadPoolExecutor:
    global _hasher
    with _hasher_lock:
        if _hasher is None:
            _hasher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="digest")
    return _hasher


def digests_beside(data: bytes) -> tuple[Future[str], Future[str]]:
    """SHA-256 and BLAKE3 of ``data``, each in a helper thread (hashlib and blake3 release the GIL on large
    buffers, and so does a file write with its fsync): an upload costs the slowest of the three, not their
    sum."""
    pool = helpers()
    return pool.submit(sha256_hex, data), pool.submit(blake3_hex, data)


_chunks = threading.local()


def file_digest(fd: int, size: int, use_blake3: bool) -> str | None:
    """BLAKE3 (or SHA-256) of the ``size`` bytes of the open file ``fd``, read in chunks through one buffer
    that each helper thread keeps (no fresh memory to fault in); None if the file is shorter."""
    buf = getattr(_chunks, "buf", None)
    if buf is None:
        buf = _chunks.buf = memoryview(bytearray(PARALLEL_HASH_BYTES))
    h = blake3() if use_blake3 else hashlib.sha256()
    done = 0
    while done < size:
        n = os.preadv(fd, [buf[: min(len(buf), size - done)]], done)
        if n == 0:
            return None
        h.update(buf[:n])
        done += n
    return h.hexdigest()


def matches(data: bytes, sha256: str, blake3_digest: str | None) -> bool:
    """``data`` has the recorded BLAKE3 (or, for objects written before it was kept, the SHA-256)."""
    if blake3_digest:
        return blake3_hex(data) == blake3_digest
    return sha256_hex(data) == sha256
