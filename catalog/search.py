"""Full-text search over the OCR text of catalogued documents, insensitive to Vietnamese diacritics.

"Ninh Binh" finds "Ninh Bình", "dinh" finds "Đinh". The index is kept by the database itself, so every
writer (the pipeline, a bulk import, a hand-made fix) keeps it current without knowing about it:

- SQLite: an FTS5 table ``documents_fts`` (tokenizer ``unicode61 remove_diacritics 2``) filled by triggers
  on ``documents``; ``đ``/``Đ`` (a letter of its own, not a letter with a mark) is folded to ``d`` by the
  trigger. FTS5 row id = the document's SQLite row id.
- PostgreSQL: a table ``document_search`` (doc_key → ``tsvector``, GIN index) filled by a trigger with
  ``to_tsvector('simple', unaccent(lower(text)))``; the ``unaccent`` extension also folds ``đ``.

Both are created by migration 0005 (``install``) and can be rebuilt with ``rebuild``. Queries are folded the
same way in Python, tokenised to letters and digits only (no query syntax reaches the database), and every
word must match. Snippets are cut from the original text around the first matching word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

from catalog.db import Catalog
from catalog.errors import InvalidCode

SEARCH_TABLE_PREFIXES = ("documents_fts", "document_search")
MAX_QUERY_WORDS = 12

_SQLITE_FOLD = "replace(replace({x}, 'đ', 'd'), 'Đ', 'D')"
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5("
    "body, doc_key UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_ai AFTER INSERT ON documents WHEN new.text IS NOT NULL BEGIN "
    f"INSERT INTO documents_fts(rowid, body, doc_key) VALUES (new.rowid, {_SQLITE_FOLD.format(x='new.text')}, new.key);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_au AFTER UPDATE OF text ON documents BEGIN "
    "DELETE FROM documents_fts WHERE rowid = old.rowid; "
    f"INSERT INTO documents_fts(rowid, body, doc_key) SELECT new.rowid, {_SQLITE_FOLD.format(x='new.text')}, new.key"
    " WHERE new.text IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS documents_fts_ad AFTER DELETE ON documents BEGIN "
    "DELETE FROM documents_fts WHERE rowid = old.rowid; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS documents_fts_ai",
    "DROP TRIGGER IF EXISTS documents_fts_au",
    "DROP TRIGGER IF EXISTS documents_fts_ad",
    "DROP TABLE IF EXISTS documents_fts",
]
SQLITE_BACKFILL = (
    f"INSERT INTO documents_fts(rowid, body, doc_key) SELECT rowid, {_SQLITE_FOLD.format(x='text')}, key "
    "FROM documents WHERE text IS NOT NULL"
)

PG_DDL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TABLE IF NOT EXISTS document_search ("
    " doc_key varchar(64) PRIMARY KEY REFERENCES documents(key) ON DELETE CASCADE,"
    " tsv tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_document_search_tsv ON document_search USING gin (tsv)",
    """
    CREATE OR REPLACE FUNCTION sohoa_document_search_sync() RETURNS trigger AS $$
    BEGIN
        IF NEW.text IS NULL THEN
            DELETE FROM document_search WHERE doc_key = NEW.key;
        ELSE
            INSERT INTO document_search(doc_key, tsv)
            VALUES (NEW.key, to_tsvector('simple', unaccent(lower(NEW.text))))
            ON CONFLICT (doc_key) DO UPDATE SET tsv = EXCLUDED.tsv;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql SET search_path = public, pg_temp
    """,
    "DROP TRIGGER IF EXISTS documents_search_sync ON documents",
    "CREATE TRIGGER documents_search_sync AFTER INSERT OR UPDATE OF text ON documents "
    "FOR EACH ROW EXECUTE FUNCTION sohoa_document_search_sync()",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS documents_search_sync ON documents",
    "DROP FUNCTION IF EXISTS sohoa_document_search_sync()",
    "DROP TABLE IF EXISTS document_search",
]
PG_BACKFILL = (
    "INSERT INTO document_search(doc_key, tsv) SELECT key, to_tsvector('simple', unaccent(lower(text))) "
    "FROM documents WHERE text IS NOT NULL ON CONFLICT (doc_key) DO UPDATE SET tsv = EXCLUDED.tsv"
)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic ``include_name`` hook: the search tables are raw DDL, not models; autogenerate leaves them be."""
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE_PREFIXES))


def install(conn: Connection, *, backfill: bool = True) -> None:
    """Create the index and its triggers (idempotent) and index the documents already there."""
    pg = conn.dialect.name == "postgresql"
    for stmt in PG_DDL if pg else SQLITE_DDL:
        conn.exec_driver_sql(stmt)
    if backfill:
        if not pg:
            conn.exec_driver_sql("DELETE FROM documents_fts")
        conn.exec_driver_sql(PG_BACKFILL if pg else SQLITE_BACKFILL)


def uninstall(conn: Connection) -> None:
    for stmt in PG_DROP if conn.dialect.name == "postgresql" else SQLITE_DROP:
        conn.exec_driver_sql(stmt)


def rebuild(catalog: Catalog) -> None:
    """Re-create triggers and re-index every document (after a restore or a table rebuild)."""
    with catalog.engine.begin() as conn:
        install(conn, backfill=True)


# --- folding and querying -----------------------------------------------------------------------------
def fold_char(ch: str) -> str:
    """One character without its marks, lower case; always one character so positions stay aligned."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[:1] or ch
    return base.lower()[:1] or base


def fold(s: str) -> str:
    return "".join(fold_char(c) for c in s)


_WORD = re.compile(r"[0-9a-z]+")


def query_words(q: str) -> list[str]:
    words = _WORD.findall(fold(unicodedata.normalize("NFC", q or "")))
    if not words:
        raise InvalidCode(
            "search query needs at least one letter or digit", "câu tìm kiếm cần ít nhất một chữ cái hoặc chữ số"
        )
    return words[:MAX_QUERY_WORDS]


@dataclass(frozen=True, slots=True)
class Hit:
    doc_code: str | None
    doc_key: str
    type_code: str | None
    owner_id: str | None
    issue_date: str | None
    status: str
    snippet: str


def snippet(original: str, words: list[str], width: int = 80) -> str:
    folded = fold(original)
    pos = -1
    for w in words:
        m = re.search(rf"(?<![0-9a-z]){re.escape(w)}", folded)
        if m:
            pos = m.start()
            break
    if pos < 0:
        return original[:width].replace("\n", " ")
    start = max(0, pos - width // 3)
    end = min(len(original), start + width)
    cut = original[start:end].replace("\n", " ")
    return ("…" if start else "") + cut + ("…" if end < len(original) else "")


def search(catalog: Catalog, q: str, *, limit: int = 20) -> list[Hit]:
    """Documents whose OCR text holds every word of ``q`` (diacritics and case ignored), best first."""
    words = query_words(q)
    limit = max(1, min(int(limit), 100))
    if catalog.dialect == "postgresql":
        sql = text(
            "SELECT d.doc_code, d.key, d.type_code, d.owner_id, d.issue_date, d.status, d.text "
            "FROM document_search s JOIN documents d ON d.key = s.doc_key "
            "WHERE s.tsv @@ plainto_tsquery('simple', :q) "
            "ORDER BY ts_rank(s.tsv, plainto_tsquery('simple', :q)) DESC, d.doc_code LIMIT :n"
        )
        params = {"q": " ".join(words), "n": limit}
    else:
        sql = text(
            "SELECT d.doc_code, d.key, d.type_code, d.owner_id, d.issue_date, d.status, d.text FROM "
            "(SELECT doc_key, rank FROM documents_fts WHERE documents_fts MATCH :q ORDER BY rank LIMIT :n) f "
            "JOIN documents d ON d.key = f.doc_key ORDER BY f.rank, d.doc_code"
        )
        params = {"q": " ".join(f'"{w}"' for w in words), "n": limit}
    with catalog.session() as s:
        rows = s.execute(sql, params).all()
    return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], snippet(r[6] or "", words)) for r in rows]
