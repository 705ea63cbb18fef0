"""Backup and restore of the catalog database, with a checksum manifest.

    OUT/catalog.sqlite3 | OUT/catalog.pgdump     the database: SQLite's online backup API (a consistent copy while
                                                 batches and the API keep writing), or ``pg_dump --format=custom``
    OUT/manifest.json                            what, when, from which database (password never written), the
                                                 schema revisions, row counts and each file's SHA-256 and size
    OUT/SHA256SUMS                               the same checksums for ``sha256sum -c``

A backup is written to ``OUT.partial`` and renamed when complete, so a folder named like a backup is one.
``restore`` checks every checksum before it touches anything, refuses a backup of the other database kind, and
brings the restored schema up to this version's migrations. The nightly ``backup`` job keeps the newest
``backup.keep`` backups under ``backup.dir``.

What a backup does not hold: the warehouse itself (mirrored and audited on its own, see *The warehouse*) and the
secrets (``SOHOA_OWNER_KEY_SECRET``, keys, passphrases), which live in the environment and are kept apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlalchemy import func, select, text

from pipeline.errors import ExitCode, PipelineError

FORMAT = "sohoa-catalog-backup/1"
SQLITE_FILE = "catalog.sqlite3"
PG_FILE = "catalog.pgdump"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
PREFIX = "catalog-"


class BackupError(PipelineError):
    reason_code = "backup_failed"
    exit_code = ExitCode.INPUT


class BackupToolMissing(PipelineError):
    reason_code = "missing_dependency"
    exit_code = ExitCode.MISSING_DEPENDENCY


@dataclass
class BackupResult:
    path: str
    dialect: str
    files: dict[str, dict[str, Any]]
    counts: dict[str, int]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _dialect(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"cannot back up a catalog at {url.split(':', 1)[0]}://…", "không sao lưu được loại CSDL này")


def sqlite_path(url: str) -> Path:
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite catalog cannot be backed up", "không sao lưu được CSDL trong bộ nhớ")
    return Path(path)


def pg_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (given in PGPASSWORD instead, never on a command line)."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    host = parts.hostname or ""
    netloc = (unquote(parts.username) + "@" if parts.username else "") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(("postgresql", netloc, parts.path, parts.query, "")), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupToolMissing(
            f"{name} is not installed (apt install postgresql-client)",
            f"chưa cài {name} (apt install postgresql-client)",
        )
    return path


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=6 * 3600)
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise BackupError(f"{what} failed: {detail[0]}", f"{what} thất bại: {detail[0]}")


def _counts(url: str) -> tuple[dict[str, int], list[str]]:
    from catalog.db import Catalog, Document, Event
    from catalog.migrate import stored_revisions

    catalog = Catalog(url, migrate=False)
    try:
        with catalog.session() as s:
            counts = {
                "documents": int(s.scalar(select(func.count()).select_from(Document)) or 0),
                "events": int(s.scalar(select(func.count()).select_from(Event)) or 0),
            }
        return counts, sorted(stored_revisions(catalog.engine) or [])
    finally:
        catalog.close()


def backup(url: str, out: Path) -> BackupResult:
    """Back the catalog at ``url`` up into the new folder ``out``."""
    dialect = _dialect(url)
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty", f"{out} đã có và không rỗng")
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    counts, revisions = _counts(url)
    if dialect == "sqlite":
        name = SQLITE_FILE
        src = sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(partial / name)
        try:
            src.backup(dst, pages=4096)  # the online backup API: a consistent copy while others write
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if ok != "ok":
            raise BackupError(f"the copy failed its integrity check: {ok}", "bản sao không qua kiểm tra toàn vẹn")
    else:
        name = PG_FILE
        target, env = pg_target(url)
        cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        _run([*cmd, f"--file={partial / name}", target], env, "pg_dump")
    files = {name: {"sha256": _sha256(partial / name), "size": (partial / name).stat().st_size}}
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dialect": dialect,
        "source": _describe(url),
        "revisions": revisions,
        "counts": counts,
        "files": files,
        "not_included": ["the warehouse (objects)", "secrets (owner-key secret, API key secrets, passphrases)"],
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    (partial / SUMS).write_text("".join(f"{f['sha256']}  {n}\n" for n, f in files.items()), encoding="utf-8")
    for p in partial.iterdir():
        with p.open("rb") as f:
            os.fsync(f.fileno())
    if out.exists():
        out.rmdir()
    partial.rename(out)
    return BackupResult(str(out), dialect, files, counts)


def _describe(url: str) -> str:
    """Where the backup came from, without a password."""
    if url.startswith("sqlite"):
        return str(sqlite_path(url))
    parts = urlsplit(url)
    return f"{parts.hostname or ''}:{parts.port or 5432}{parts.path}"


def check(backup_dir: Path) -> dict[str, Any]:
    """The manifest of a complete, intact backup; BackupError saying what is wrong otherwise."""
    manifest_path = backup_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackupError(f"{backup_dir} is not a catalog backup ({e})", f"{backup_dir} không phải bản sao lưu") from e
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup_dir}: unknown backup format", f"{backup_dir}: định dạng sao lưu không rõ")
    for name, f in (manifest.get("files") or {}).items():
        p = backup_dir / name
        if "/" in name or not p.is_file():
            raise BackupError(f"{backup_dir}: {name} is missing", f"{backup_dir}: thiếu {name}")
        if p.stat().st_size != f["size"] or _sha256(p) != f["sha256"]:
            raise BackupError(
                f"{backup_dir}: {name} does not match its checksum; the backup is damaged",
                f"{backup_dir}: {name} không khớp mã kiểm tra; bản sao lưu bị hỏng",
            )
    return manifest


def restore(url: str, backup_dir: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore the catalog at ``url`` from ``backup_dir`` (checked first); an existing catalog with documents is
    replaced only with ``force``. Migrations then bring the schema to this version."""
    from catalog.db import Catalog

    manifest = check(backup_dir)
    dialect = _dialect(url)
    if manifest["dialect"] != dialect:
        raise BackupError(
            f"a {manifest['dialect']} backup cannot be restored into a {dialect} catalog",
            f"không khôi phục được bản sao lưu {manifest['dialect']} vào CSDL {dialect}",
        )
    if not force and _has_documents(url):
        raise BackupError(
            "the catalog already holds documents; give --force to replace it with the backup",
            "CSDL đã có tài liệu; dùng --force để thay bằng bản sao lưu",
        )
    if dialect == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{backup_dir / SQLITE_FILE}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # page by page into the live file, in one transaction
        finally:
            dst.close()
            src.close()
    else:
        target_uri, env = pg_target(url)
        cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
        _run([_tool("pg_restore"), "--list", str(backup_dir / PG_FILE)], env, "pg_restore --list")  # readable?
        _drop_public_tables(url)  # tables the backup does not have (a newer schema) would keep stale rows
        _run([*cmd, f"--dbname={target_uri}", str(backup_dir / PG_FILE)], env, "pg_restore")
    Catalog(url).close()  # migrate to this version's heads
    return manifest


def _has_documents(url: str) -> bool:
    from catalog.db import Catalog

    catalog = Catalog(url, migrate=False)
    try:
        with catalog.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1 FROM documents LIMIT 1")).first())
    except Exception:  # no such table: an empty database
        return False
    finally:
        catalog.close()


def _drop_public_tables(url: str) -> None:
    from catalog.db import Catalog

    catalog = Catalog(url, migrate=False)
    try:
        with catalog.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        catalog.close()


def prune(folder: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` complete backups in ``folder`` (and leftovers of interrupted ones)."""
    if not folder.is_dir():
        return []
    removed = []
    for p in folder.glob(f"{PREFIX}*.partial"):
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    done = sorted(p for p in folder.glob(f"{PREFIX}*") if p.is_dir() and (p / MANIFEST).is_file())
    for p in done[: max(0, len(done) - keep)]:
        shutil.rmtree(p)
        removed.append(p.name)
    return removed


def nightly_name(now: datetime | None = None) -> str:
    return PREFIX + (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
