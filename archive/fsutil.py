"""File-system helpers of the local store: whole reads and writes, an in-kernel copy with its fall-backs, hard
links that refuse to overwrite (the write-once rule), and flushing a folder's entries to disk."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

_dir_fd_lock = threading.Lock()


def read_exactly(fd: int, size: int) -> bytes:
    data = os.pread(fd, size, 0)
    while len(data) < size:  # a regular file reads whole; a short read is only a signal or a changed file
        more = os.pread(fd, size - len(data), len(data))
        if not more:
            break
        data += more
    return data


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


NO_KERNEL_COPY = (errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBADF, errno.ENOTSOCK)
"""Refusals of an in-kernel copy: another filesystem, a filesystem without it, an old kernel, or (macOS)
``sendfile`` only to sockets."""


def copy_file(src: int, dst: int) -> int:
    """Copy all of ``src`` into ``dst`` inside the kernel where it can (``copy_file_range``, else
    ``sendfile``), and what it would not copy through a buffer; the number of bytes copied."""
    size = os.fstat(src).st_size
    done = 0
    for copy in (_copy_range, _send_file):
        try:
            while done < size and (n := copy(src, dst, done)):
                done += n
        except OSError as e:
            if e.errno not in NO_KERNEL_COPY:
                raise
        if done >= size:
            break
    while chunk := os.pread(src, 1 << 20, done):  # not Linux, refused, or the file grew meanwhile
        os.lseek(dst, done, os.SEEK_SET)
        write_all(dst, chunk)
        done += len(chunk)
    return done


def _copy_range(src: int, dst: int, offset: int) -> int:
    if not hasattr(os, "copy_file_range"):
        raise OSError(errno.ENOSYS, "copy_file_range")
    return os.copy_file_range(src, dst, 1 << 30, offset, offset)


def _send_file(src: int, dst: int, offset: int) -> int:
    if not hasattr(os, "sendfile"):
        raise OSError(errno.ENOSYS, "sendfile")
    os.lseek(dst, offset, os.SEEK_SET)
    return os.sendfile(dst, src, offset, 1 << 30)


def discard(fd: int, tmp: str | None) -> None:
    """Close a temp file; remove its temp name (once linked, the object has its own)."""
    os.close(fd)
    if tmp:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


_any_dir_fd: int | None = None


def link(source: str, dest: str) -> bool:
    """Hard-link ``source`` (a path, or ``/proc/self/fd/N`` of an unnamed file) as ``dest``; False if ``dest``
    exists. The folder descriptor only makes Python call ``linkat`` with ``AT_SYMLINK_FOLLOW`` (it calls plain
    ``link`` otherwise, which would link the ``/proc`` symlink itself); both paths are absolute, so it names
    no folder."""
    global _any_dir_fd
    if _any_dir_fd is None:
        with _dir_fd_lock:
            if _any_dir_fd is None:
                _any_dir_fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.link(source, dest, src_dir_fd=_any_dir_fd, follow_symlinks=True)
    except FileExistsError:
        return False
    return True


def fsync_dir(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
