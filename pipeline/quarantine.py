"""The quarantine folder of a rejected batch item: a copy of every byte we have of it, and why it was rejected.

    SOHOA_HOME/quarantine/<batch id>/<item NNNN>/reason.json      reason (vi + en), input, checksums
    SOHOA_HOME/quarantine/<batch id>/<item NNNN>/files/<path>      each file of the item, at its path relative
                                                                  to the input folder

Copies live under ``files/`` at their path relative to the input folder, so two files with the same name in
different sub-folders, or an input that is itself named ``reason.json``, never overwrite each other or the
reason. Each copy is written to a temporary name, checked against the SHA-256 of the source and then renamed
into place; ``reason.json`` lists every copy with its checksum. The input folder is never touched. Quarantining
the same item again (a re-run, a retry) replaces the item's folder with what is true now.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

FILES = "files"
REASON = "reason.json"
_CHUNK = 1 << 20


def _relative(path: Path, root: Path | None) -> PurePosixPath:
    """Where the copy of ``path`` goes under ``files/``: its path inside the input folder (its name otherwise)."""
    if root is not None:
        try:
            rel = PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
            if rel.parts and ".." not in rel.parts:
                return rel
        except (ValueError, OSError):
            pass
    return PurePosixPath(path.name or "file")


def _copy_checked(src: Path, dest: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dest`` through a temporary name; the SHA-256 and size of what was copied."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial")
    h = hashlib.sha256()
    size = 0
    with src.open("rb") as fin, tmp.open("wb") as fout:
        while chunk := fin.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    shutil.copystat(src, tmp)
    os.replace(tmp, dest)
    return h.hexdigest(), size


def quarantine_item(folder: Path, files: Iterable[str | Path], root: Path | None, reason: dict[str, Any]) -> Path:
    """Copy the item's ``files`` (those that exist) into ``folder/files/`` and write ``folder/reason.json``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    copies: list[dict[str, Any]] = []
    seen: set[PurePosixPath] = set()
    for f in files:
        src = Path(f)
        if not src.is_file():
            continue
        rel = _relative(src, root)
        if rel in seen:  # the same file named twice in one row: one copy
            continue
        seen.add(rel)
        sha, size = _copy_checked(src, folder / FILES / rel)
        copies.append({"input": rel.as_posix(), "copy": f"{FILES}/{rel.as_posix()}", "sha256": sha, "size": size})
    data = {**reason, "files": copies}
    (folder / REASON).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder
