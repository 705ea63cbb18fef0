"""The one query behind every reuse check and owner lookup, as SQL text per dialect.

Written once here and run two ways: through SQLAlchemy (``catalog.lookup`` for the CLI and the tests) and on the
driver directly by the API's hot path (``catalog.api.readers``), so both always read the same rows. The query
is a fixed string with a fixed number of parameters whatever the number of paper types asked about (a JSON
array on SQLite, comma-separated text on PostgreSQL), so the driver prepares it once per connection instead of rendering
an ``IN (…)`` list per request.

A paper is the owner's when it is filed under them (``documents.owner_id``) or when they own it with others
(``document_owners``: a spouse's marriage certificate, a land-use certificate held jointly); each row carries
the asked owner's role on it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.status import Status

VISIBLE = (Status.ARCHIVED, Status.NEEDS_REVIEW)
"""Statuses a lookup may show; processing, failed and quarantined ones are no papers."""

COLUMNS = (
    "doc_code",
    "type_code",
    "type_name",
    "issue_date",
    "valid_until",
    "signed_at",
    "status",
    "agency",
    "paper_code",
    "role",
    "validation",
    "signer_name",
    "signer_org",
    "validated_at",
)
"""The last four are an electronic original's (``catalog.originals``): its signature validation, signer and when it
was last validated; NULL for a digitized copy."""

_SELECT = ", ".join(f"d.{c}" for c in COLUMNS[:9]) + ", o.role, e.outcome, e.signer_name, e.signer_org, e.validated_at"
_ORIGINAL = "LEFT OUTER JOIN electronic_originals e ON e.doc_key = d.key "
_VISIBLE = ", ".join(f"'{s.value}'" for s in VISIBLE)


def _owned(dialect: str, *, types: bool, named: str) -> str:
    """``named``: how a parameter is written, ``{}`` standing for its name (``:{}`` or ``%({})s``)."""
    owner = named.format("owner")
    if types:
        in_types = (
            f" AND d.type_code IN (SELECT value FROM json_each({named.format('types')}))"
            if dialect == "sqlite"
            else f" AND d.type_code = ANY(string_to_array({named.format('types')}, ','))"
        )
    else:
        in_types = ""
    distinct = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return (
        f"SELECT {_SELECT} FROM documents d "
        f"LEFT OUTER JOIN document_owners o ON o.doc_key = d.key AND o.owner_id = d.owner_id "
        f"{_ORIGINAL}"
        f"WHERE d.owner_id = {owner} AND d.status IN ({_VISIBLE}){in_types} "
        f"UNION ALL "
        f"SELECT {_SELECT} FROM documents d JOIN document_owners o ON o.doc_key = d.key "
        f"{_ORIGINAL}"
        f"WHERE o.owner_id = {owner} AND d.owner_id {distinct} {owner} AND d.status IN ({_VISIBLE}){in_types}"
    )


def owned_sql(dialect: str, *, types: bool, paramstyle: str = "named") -> str:
    """The query for ``dialect`` (``sqlite`` | ``postgresql``), with parameters ``owner`` and, with ``types``,
    ``types`` (see ``types_param``). ``paramstyle``: ``named`` (``:owner``: SQLAlchemy ``text()``, sqlite3),
    ``pyformat`` (``%(owner)s``: psycopg) or ``numeric`` (``$1`` the owner, ``$2`` the types: asyncpg)."""
    if paramstyle == "numeric":
        sql = _owned(dialect, types=types, named="\x00{}\x00")
        return sql.replace("\x00owner\x00", "$1").replace("\x00types\x00", "$2")
    return _owned(dialect, types=types, named=":{}" if paramstyle == "named" else "%({})s")


def types_param(dialect: str, codes: list[str]) -> object:
    """The ``types`` parameter: a JSON array on SQLite (``json_each``), the codes joined by commas on PostgreSQL
    (``string_to_array``; a type code is letters, digits and ``_``). A text parameter rather than an array: asyncpg
    encoded a list as ``text[]`` at about a tenth of a check's client CPU (callgrind)."""
    if dialect == "sqlite":
        import json

        return json.dumps(codes)
    return ",".join(codes)


def timestamp(value: object) -> datetime | None:
    """A timestamp column as read without SQLAlchemy's types: SQLite hands back text (written in UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    t = datetime.fromisoformat(str(value))
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t
