"""The authority that issued a result: read from the paper, mapped to an agency and its level.

The plan counts the results "thuộc thẩm quyền giải quyết" of each level — the level of the body that issued the
result, not of the office that scanned it (a provincial centre scans many commune results). The issuer is read
from the paper (the ``issuer`` field: the header lines above the national motto) and matched to the registered
agencies that existed on the paper's issue date:

* a clear match (score ≥ :data:`SURE`, ahead of the next by :data:`MARGIN`) is taken as is;
* a weaker one (≥ :data:`LIKELY`) is kept as a guess and sent to review — it is not credited until a clerk
  confirms it (the KPI counts it as unattributed); none: the level is read from the words
  (tỉnh / huyện, thành phố, thị xã / xã, phường, thị trấn), the agency left empty, and the result sent to review;
* a result without an issuer read is credited to the office that digitized it (``source = "scanning_office"``).

A clerk's answer (:func:`set_authority`) wins over the reading and is never overwritten. Assignments are stored
(``result_authorities``) and made incrementally (:func:`assign_missing`), before every KPI computation and by
the nightly job, so the dashboard never matches text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import DateTime, Float, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base, Catalog, Document, Event, utcnow
from catalog.errors import InvalidCode, NotFound
from catalog.kpi_db import AgencyInfo, list_agencies
from ocr.text import fold

SURE, LIKELY, MARGIN = 95.0, 80.0, 4.0
_ABBREV = (
    (re.compile(r"\buy ban nhan dan\b"), "ubnd"),
    (re.compile(r"\bu\.?b\.?n\.?d\b"), "ubnd"),
    (re.compile(r"\bthanh pho\b"), "tp"),
    (re.compile(r"\bt\.p\b"), "tp"),
)
_NOISE = re.compile(r"[^a-z0-9 ]+")
_LEVEL_WORDS = (
    ("commune", re.compile(r"\b(xa|phuong|thi tran)\b")),
    ("district", re.compile(r"\b(huyen|quan|thi xa|tp)\b")),
    ("province", re.compile(r"\btinh\b|^so\b")),
)
# Words an issuing body's name starts with: a header's last body named is the one that issued the paper
# ("ỦY BAN NHÂN DÂN TỈNH NINH BÌNH / SỞ TƯ PHÁP": the department; "CÔNG AN TỈNH … / CÔNG AN XÃ …": the commune's).
_BODY_START = re.compile(
    r"\b(ubnd|so|cong an|chi cuc|van phong|trung tam|benh vien|toa an|vien kiem sat)\b"  # never a place's word
)
# The kind of unit and its place name: "ubnd xa ninh hai" -> ("ubnd xa", "ninh hai")
_UNIT = re.compile(r"^(?P<kind>(?:ubnd|cong an)? ?(?:xa|phuong|thi tran|huyen|quan|thi xa|tp|tinh)) (?P<place>.+)$")


class ResultAuthority(Base):
    __tablename__ = "result_authorities"
    doc_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency: Mapped[str | None] = mapped_column(String(20), index=True)
    level: Mapped[str | None] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # issuer | scanning_office | operator
    issuer: Mapped[str | None] = mapped_column(String(200))
    needs_review: Mapped[int] = mapped_column(Integer, default=0, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


@dataclass(frozen=True, slots=True)
class Match:
    agency: str | None
    level: str | None
    confidence: float
    source: str
    needs_review: bool


def norm(text: str) -> str:
    s = fold(text or "")
    for pattern, repl in _ABBREV:
        s = pattern.sub(repl, s)
    return " ".join(_NOISE.sub(" ", s).split())


def level_from_words(issuer: str) -> str | None:
    s = norm(issuer)
    for level, pattern in _LEVEL_WORDS:
        if pattern.search(s):
            return level
    return None


def last_body(issuer: str) -> str:
    """The body that issued the paper: the last one the header names (a header reads "UBND HUYỆN HOA LƯ / UBND
    XÃ NINH HẢI": the second line issued it, the first is its parent)."""
    s = norm(issuer)
    starts = [m.start() for m in _BODY_START.finditer(s)]
    return s[starts[-1] :] if starts else s


def _score(body: str, name: str) -> float:
    """How well an issuing body's words match an agency's name. Units of the territorial map ("UBND xã Ninh
    Hải") must be of the same kind and their place names must match closely — "xã Như Hòa" is not "xã Ninh
    Hải", though most of the letters agree; other bodies are compared as a whole."""
    a, b = _UNIT.match(body), _UNIT.match(name)
    if a and b:
        ka, kb = a["kind"].split(), b["kind"].split()
        if ka[-1] != kb[-1]:  # xã is not huyện
            return 0.0
        if len(ka) > 1 and len(kb) > 1 and ka[:-1] != kb[:-1]:  # the commune's police are not its People's Committee
            return 0.0
        return fuzz.ratio(a["place"], b["place"])
    if a or b:
        return 0.0
    return fuzz.token_sort_ratio(body, name)


def match_issuer(issuer: str | None, agencies: Iterable[AgencyInfo], on_day: str | None = None) -> Match | None:
    """The agency and level that issued a paper, from its issuer text; None when no issuer was read."""
    if not issuer or not issuer.strip():
        return None
    candidates = [a for a in agencies if a.org_type == "state" and (on_day is None or a.exists_during(on_day, on_day))]
    last = last_body(issuer)
    scored = sorted(((_score(last, norm(a.name)), a) for a in candidates), key=lambda x: -x[0])
    if scored:
        best, agency = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        if best >= SURE and best - second >= MARGIN:
            return Match(agency.code, agency.level, round(best / 100, 3), "issuer", False)
        if best >= LIKELY:
            return Match(agency.code, agency.level, round(best / 100, 3), "issuer", True)
    return Match(None, level_from_words(last), 0.0, "issuer", True)


def _issuer_of(fields: dict | None) -> str | None:
    v = (fields or {}).get("issuer")
    if isinstance(v, dict):
        v = v.get("value")
    return str(v).strip() if v else None


def assign_missing(catalog: Catalog, *, limit: int = 50_000) -> int:
    """Assign an authority to results that have none yet; the number assigned (incremental, safe to re-run)."""
    agencies = list_agencies(catalog)
    levels = {a.code: a.level for a in agencies}
    done = 0
    with catalog.session() as s:
        q = (
            select(Document.key, Document.agency, Document.fields, Document.issue_date)
            .outerjoin(ResultAuthority, ResultAuthority.doc_key == Document.key)
            .where(Document.kind == "result", ResultAuthority.doc_key.is_(None))
            .limit(limit)
        )
        for key, scanned_by, fields, issue_date in s.execute(q).all():
            issuer = _issuer_of(fields)
            m = match_issuer(issuer, agencies, issue_date)
            if m is None:
                m = Match(scanned_by, levels.get(scanned_by), 0.5, "scanning_office", False)
            s.add(
                ResultAuthority(
                    doc_key=key,
                    agency=m.agency,
                    level=m.level,
                    confidence=m.confidence,
                    source=m.source,
                    issuer=(issuer or None) and issuer[:200],
                    needs_review=int(m.needs_review),
                    updated_by="system",
                )
            )
            done += 1
    return done


def set_authority(catalog: Catalog, doc_code: str, agency: str, *, actor: str) -> None:
    """A clerk's answer: the result ``doc_code`` was issued by ``agency`` (a registered agency)."""
    known = {a.code: a for a in list_agencies(catalog)}
    if agency not in known:
        raise InvalidCode(f"agency {agency} is not registered", f"cơ quan {agency} chưa được khai báo")
    with catalog.session() as s:
        key = s.scalar(select(Document.key).where(Document.doc_code == doc_code))
        if key is None:
            raise NotFound(f"document {doc_code} not found", f"không tìm thấy tài liệu {doc_code}")
        row = s.get(ResultAuthority, key)
        if row is None:
            row = ResultAuthority(doc_key=key, confidence=1.0, source="operator", updated_by=actor[:100])
            s.add(row)
        row.agency, row.level, row.confidence, row.source = agency, known[agency].level, 1.0, "operator"
        row.needs_review, row.updated_by = 0, actor[:100]
        s.add(Event(actor=actor[:100], agency=agency, action="authority_set", doc_code=doc_code, doc_key=key))


def unsure(catalog: Catalog, limit: int = 200) -> list[dict]:
    """Results whose authority waits for a clerk: their code, the issuer read and the best guess."""
    with catalog.session() as s:
        q = (
            select(Document.doc_code, ResultAuthority.issuer, ResultAuthority.agency, ResultAuthority.level)
            .join(ResultAuthority, ResultAuthority.doc_key == Document.key)
            .where(ResultAuthority.needs_review == 1)
            .order_by(Document.doc_code)
            .limit(limit)
        )
        return [{"doc_code": c, "issuer": i, "agency": a, "level": lv} for c, i, a, lv in s.execute(q)]
