"""Run the Alembic migrations programmatically (no alembic.ini needed at run time).

Every command opens the catalog, so whether the schema is current is found without Alembic: the graph of
revisions is read from the migration files' ``revision``/``down_revision``/``depends_on`` lines, the applied
revisions from the ``alembic_version`` table. Alembic itself (a tenth of a second to import, and more to run
``upgrade`` as a no-op) is loaded only when there is something to upgrade.
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
_DEPENDS = re.compile(r"^depends_on\s*=\s*(?P<deps>.+)$", re.M)


def _names(expr: str | None) -> set[str]:
    """The quoted revision names of a ``down_revision``/``depends_on`` right-hand side (None, a string, a tuple)."""
    if not expr:
        return set()
    return set(re.findall(r"[\"']([^\"']+)[\"']", expr.split("#", 1)[0]))


@functools.cache
def script_graph() -> dict[str, frozenset[str]]:
    """Each migration file's revision and the revisions it needs first (``down_revision`` and ``depends_on``)."""
    graph: dict[str, frozenset[str]] = {}
    for f in (MIGRATIONS / "versions").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        rev = _REVISION.search(src)
        if rev is None:
            continue
        down, deps = _DOWN.search(src), _DEPENDS.search(src)
        graph[rev["rev"]] = frozenset(_names(down and down["down"]) | _names(deps and deps["deps"]))
    return graph


def script_heads() -> frozenset[str]:
    """The heads of the migration files: revisions no other revision revises (Alembic's ``heads``)."""
    revised = set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        down = _DOWN.search(f.read_text(encoding="utf-8"))
        revised |= _names(down and down["down"])
    return frozenset(set(script_graph()) - revised)


def applied(stored: set[str]) -> set[str]:
    """Every revision a database at ``stored`` has applied: those and all they need, transitively.

    Alembic's version table keeps only the revisions nothing applied depends on, so a head that another
    revision names in ``depends_on`` (0007 under 0015) is not listed there although it was applied.
    """
    graph, seen, todo = script_graph(), set(), list(stored)
    while todo:
        rev = todo.pop()
        if rev not in seen:
            seen.add(rev)
            todo.extend(graph.get(rev, ()))
    return seen


def is_current(stored: set[str] | None) -> bool:
    """Whether a database at ``stored`` has every migration of the files applied (and none unknown to them)."""
    if not stored:
        return False
    graph = script_graph()
    return stored <= set(graph) and applied(stored) == set(graph)


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
    if revision == "heads" and is_current(stored_revisions(engine)):
        return  # current: nothing of Alembic is needed
    from alembic import command

    cfg = alembic_config(engine)
    with _sqlite_file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
