"""API keys of the systems that call the lookup API: one key per client system and agency, with scopes.

A key is ``sohoa_<id>_<secret>``: the 10-character ``id`` is shown in listings, audit rows and logs; the
secret is 32 random bytes (256 bits). Only the SHA-256 of the whole key is stored — with that much entropy
a fast hash is safe (no dictionary to attack), and it lets each request find its key with one indexed
lookup. The plaintext is shown once, when the key is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.codes import validate_agency_code
from catalog.db import Base, Catalog, Event, utcnow
from catalog.errors import InvalidCode, NotFound

SCOPES = ("lookup", "download", "search", "dashboard", "reception")
"""lookup: reuse checks and metadata; download: signed PDF/A files; search: full-text search over OCR text
(administrators only); dashboard: KPI dashboard (issue 9); reception: the one-stop system registers its agency's
dossiers and their resolution, and the office's systems report waiting time and satisfaction (issue 22)."""

KEY_PREFIX = "sohoa"
_KEY_RE = re.compile(rf"^{KEY_PREFIX}_([a-z0-9]{{10}})_([A-Za-z0-9_\-]{{20,100}})$")
_CLIENT_RE = re.compile(r"^[\w .:@()/\-]{1,100}$")


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # the visible part, e.g. "k3f9a0c2d1"
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the whole key
    client: Mapped[str] = mapped_column(String(100))  # the calling system, e.g. "motcua-ninhbinh"
    agency: Mapped[str] = mapped_column(String(20), index=True)  # agency code the client acts for
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_per_minute: Mapped[int | None] = mapped_column(Integer)  # None = the server's default
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What a request knows about the key it came with (no secret, no hash)."""

    id: str
    client: str
    agency: str
    scopes: frozenset[str]
    rate_per_minute: int | None
    created_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "client": self.client,
            "agency": self.agency,
            "scopes": sorted(self.scopes),
            "rate_per_minute": self.rate_per_minute,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        row.id, row.client, row.agency, frozenset(row.scopes or ()), row.rate_per_minute, row.created_at, row.revoked_at
    )


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def parse_scopes(scopes: str | list[str] | tuple[str, ...]) -> list[str]:
    items = [s.strip() for s in (scopes.split(",") if isinstance(scopes, str) else scopes) if s.strip()]
    unknown = sorted(set(items) - set(SCOPES))
    if unknown or not items:
        raise InvalidCode(
            f"unknown scopes {unknown or '(none given)'}; choose from {', '.join(SCOPES)}",
            f"phạm vi không hợp lệ {unknown or '(trống)'}; chọn trong {', '.join(SCOPES)}",
        )
    return sorted(set(items))


def create_key(
    catalog: Catalog,
    *,
    agency: str,
    scopes: str | list[str],
    client: str,
    created_by: str,
    rate_per_minute: int | None = None,
) -> tuple[KeyInfo, str]:
    """Make a key; return its record and the plaintext, which is never stored and cannot be shown again."""
    validate_agency_code(agency)
    scope_list = parse_scopes(scopes)
    if not _CLIENT_RE.match(client):
        raise InvalidCode(f"client name {client!r} is not valid", f"tên hệ thống {client!r} không hợp lệ")
    if rate_per_minute is not None and rate_per_minute < 1:
        raise InvalidCode("rate limit must be at least 1 per minute", "giới hạn tần suất phải từ 1 lần/phút")
    key_id = "k" + secrets.token_hex(5)[:9]
    plaintext = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        id=key_id,
        key_hash=hash_key(plaintext),
        client=client,
        agency=agency,
        scopes=scope_list,
        rate_per_minute=rate_per_minute,
        created_by=created_by,
        created_at=utcnow(),
    )
    with catalog.session() as s:
        s.add(row)
        s.add(
            Event(
                actor=created_by,
                agency=agency,
                action="apikey_created",
                detail={"key": key_id, "client": client, "scopes": scope_list},
            )
        )
    return _info(row), plaintext


def list_keys(catalog: Catalog, *, agency: str | None = None, include_revoked: bool = False) -> list[KeyInfo]:
    q = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if agency:
        q = q.where(ApiKey.agency == agency)
    if not include_revoked:
        q = q.where(ApiKey.revoked_at.is_(None))
    with catalog.session() as s:
        return [_info(r) for r in s.scalars(q)]


def revoke_key(catalog: Catalog, key_id: str, *, revoked_by: str) -> KeyInfo:
    """Revoke by the visible id (or the whole key); revoking twice is harmless."""
    m = _KEY_RE.match(key_id)
    key_id = m.group(1) if m else key_id
    with catalog.session() as s:
        row = s.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"no API key {key_id}", f"không có khóa API {key_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            s.add(Event(actor=revoked_by, agency=row.agency, action="apikey_revoked", detail={"key": key_id}))
        return _info(row)


def authenticate(catalog: Catalog, plaintext: str | None) -> KeyInfo | None:
    """The active key this plaintext is, or None (unknown, malformed or revoked)."""
    if not plaintext or not _KEY_RE.match(plaintext):
        return None
    digest = hash_key(plaintext)
    with catalog.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        if row is None or row.revoked_at is not None:
            return None
        # The hash matched through the index; compare once more in constant time for good measure.
        if not secrets.compare_digest(row.key_hash, digest):
            return None
        return _info(row)
