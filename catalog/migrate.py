"""Run the Alembic migrations programmatically (no alembic.ini needed at run time).

Every command opens the catalog, so whether the schema is current is found without Alembic: the heads are
read from the migration files' ``revision``/``down_revision`` lines, the current revisions from the
``alembic_version`` table. Alembic itself (a tenth of a second to import) is loaded only to upgrade.
"""

from __future__ import annotations

import fcntl
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_ADVISORY_LOCK = 7_406_011  # any constant; serialises concurrent upgrades on PostgreSQL


_REVISION = re.compile(r"^revision\s*=\s*[\"'](?P<rev>[^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(?P<down>.+)$", re.M)


@functools.cache
def script_heads() -> frozenset[str]:
    """The heads of the migration files: revisions no other revision revises."""
    revisions, revised = set(), set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        rev, down = _REVISION.search(src), _DOWN.search(src)
        if rev is None:
            continue
        revisions.add(rev["rev"])
        if down is not None:
            revised.update(re.findall(r"[\"']([^\"']+)[\"']", down["down"]))
    return frozenset(revisions - revised)


def stored_revisions(engine: Engine) -> set[str] | None:
    """The revisions the database says it is at; None when it has no version table yet."""
    try:
        with engine.connect() as conn:
            return {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except DBAPIError:
        return None


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revisions(engine: Engine) -> set[str]:
    """Every head: independent features each add their own migration after 0001, so there may be several."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Serialise upgrades of one SQLite file across processes (a clerk's CLI and workers starting together).

    SQLite runs Alembic's DDL outside a transaction, so two first starts would both create the tables;
    an exclusive lock on a file beside the database makes the second wait and then find the schema current.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "heads") -> None:
    if revision == "heads" and stored_revisions(engine) == script_heads():
        return  # current: nothing of Alembic is needed
    from alembic import command

    if revision == "heads" and current_revisions(engine) == head_revisions(engine):
        return
    cfg = alembic_config(engine)
    with _sqlite_file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
