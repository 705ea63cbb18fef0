"""Reuse checks and owner lookups over the catalog: "which papers does the state already hold for this person?"

Pure functions shared by the API (``catalog.api``) and the CLI (``sohoa lookup``), so both give the same
answer. They validate their inputs first (owner IDs, procedure and type codes: ``InvalidCode``) and never
log personal data; recording who looked is the caller's job (``catalog.audit``), because only the caller
knows who is asking and why.

A required paper is **reusable** when the owner has a document of that type that is archived, signed and
valid on the day asked about — one filed under them or one they own with others (``catalog.paper_owners``: a
marriage certificate is found by either spouse, a land-use certificate by every holder). Otherwise its status
is ``needs_review`` (a valid one exists but waits for a clerk or is not signed), ``expired`` (only expired ones
exist) or ``missing``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, bindparam, select, text

from catalog import lookup_sql
from catalog.codes import validate_owner_id, validate_procedure_code
from catalog.db import Catalog, Document
from catalog.errors import InvalidCode, NotFound
from catalog.originals import ElectronicOriginalRow
from catalog.paper_owners import DocumentOwner
from catalog.status import Status
from catalog.types import DocumentTypes

REUSABLE = "reusable"
MISSING = "missing"
EXPIRED = "expired"
STATUSES = (REUSABLE, Status.NEEDS_REVIEW, EXPIRED, MISSING)
VISIBLE = lookup_sql.VISIBLE  # documents a lookup may show; processing/failed/quarantined ones are not papers
MAX_TYPES = 30


class UnknownProcedure(NotFound):
    reason_code = "unknown_procedure"


@dataclass(frozen=True, slots=True)
class Paper:
    """One catalogued document as lookups show it."""

    doc_code: str | None
    type_code: str | None
    type_name: str | None
    issue_date: str | None
    valid_until: str | None
    signature: str  # "signed" | "unsigned"
    signed_at: datetime | None
    status: str  # catalog status: archived | needs_review
    agency: str | None
    paper_code: str | None = None
    source: str = "local"
    """``local``: this province's catalog; ``national``: held by the national portal's warehouse."""
    role: str | None = None
    """The asked owner's role on the paper (husband, wife, holder …); None when not recorded (older papers)."""
    validation: str | None = None
    """An electronic original's signature validation (``valid`` | ``review``); None for a digitized copy."""
    signer_name: str | None = None
    signer_org: str | None = None
    validated_at: datetime | None = None

    @property
    def origin(self) -> str:
        """``electronic_original`` (arrived signed by its issuer) or ``digitized_copy`` (a scan sohoa signed)."""
        return "electronic_original" if self.validation is not None else "digitized_copy"

    def valid_on(self, day: str) -> bool:
        return (self.issue_date is None or self.issue_date <= day) and (
            self.valid_until is None or self.valid_until >= day
        )

    def as_dict(self) -> dict:
        # by hand: dataclasses.asdict deep-copies every value and costs more than the query on a hot path
        return {
            "doc_code": self.doc_code,
            "type_code": self.type_code,
            "type_name": self.type_name,
            "issue_date": self.issue_date,
            "valid_until": self.valid_until,
            "signature": self.signature,
            "signed_at": iso_utc(self.signed_at),
            "status": self.status,
            "agency": self.agency,
            "paper_code": self.paper_code,
            "source": self.source,
            "role": self.role,
            "origin": self.origin,
            "signature_validation": self.validation,
            "signer_name": self.signer_name,
            "signer_org": self.signer_org,
            "validated_at": iso_utc(self.validated_at),
        }


@dataclass(frozen=True, slots=True)
class RequiredPaper:
    type_code: str
    type_name: str
    status: str  # one of STATUSES
    document: Paper | None = None
    reason: str | None = None  # why it is not reusable, in English (machine-readable codes are the status)


@dataclass(frozen=True, slots=True)
class NationalPart:
    """What the national portal's warehouse added to a reuse check."""

    status: str  # "ok" | "unavailable" (down, slow past the budget, refused)
    papers: int = 0
    """Papers of the owner it reported for the types still open."""
    reusable: int = 0
    """Required papers it satisfied that the province's own catalog did not."""
    message: str | None = None

    def as_dict(self) -> dict:
        return {"status": self.status, "papers": self.papers, "reusable": self.reusable, "message": self.message}


@dataclass(frozen=True, slots=True)
class ReuseAnswer:
    owner_id: str
    on_date: str
    procedure_code: str | None
    papers: list[RequiredPaper] = field(default_factory=list)
    national: NationalPart | None = None
    """Set when the national warehouse was asked (``sync.national_lookup``)."""

    @property
    def required(self) -> int:
        return len(self.papers)

    @property
    def reusable(self) -> int:
        return sum(1 for p in self.papers if p.status == REUSABLE)

    @property
    def reuse_share(self) -> float:
        """Share of the dossier's papers the applicant need not submit (0–1)."""
        return round(self.reusable / self.required, 4) if self.papers else 0.0

    def as_dict(self) -> dict:
        return {
            "owner_id": self.owner_id,
            "on_date": self.on_date,
            "procedure_code": self.procedure_code,
            "required": self.required,
            "reusable": self.reusable,
            "reuse_share": self.reuse_share,
            "papers": [
                {
                    "type_code": p.type_code,
                    "type_name": p.type_name,
                    "status": p.status,
                    "document": p.document.as_dict() if p.document else None,
                    "reason": p.reason,
                }
                for p in self.papers
            ],
            "national": self.national.as_dict() if self.national else None,
        }

    def open_types(self) -> list[str]:
        """Required types the province's catalog does not satisfy: what the national side is asked about."""
        return [p.type_code for p in self.papers if p.status != REUSABLE]


def remote_paper(p: dict) -> Paper:
    """A paper as the national warehouse's connector reports it (``pipeline.sync``: sohoa's field names)."""
    return Paper(
        doc_code=p.get("doc_code"),
        type_code=p.get("type_code"),
        type_name=p.get("type_name"),
        issue_date=p.get("issue_date"),
        valid_until=p.get("valid_until"),
        signature="signed" if p.get("signed_at") or p.get("pdf_sha256") else "unsigned",
        signed_at=None,
        status=str(p.get("status") or Status.ARCHIVED),
        agency=p.get("agency"),
        paper_code=p.get("paper_code"),
        source="national",
    )


def with_national(ans: ReuseAnswer, remote: list[dict] | None, message: str | None = None) -> ReuseAnswer:
    """The answer with the national warehouse's papers: a required paper the province lacks is reusable when the
    national side holds it valid on the day and signed. ``remote`` None: the national side did not answer in
    time; the local answer stands and says so."""
    if remote is None:
        return replace(ans, national=NationalPart("unavailable", message=message))
    papers = [remote_paper(p) for p in remote]
    by_type: dict[str, list[Paper]] = {}
    for p in papers:
        if p.type_code:
            by_type.setdefault(p.type_code, []).append(p)
    out, gained = [], 0
    for req in ans.papers:
        if req.status != REUSABLE and by_type.get(req.type_code):
            chosen = _choose(req.type_code, req.type_name, by_type[req.type_code], ans.on_date)
            if chosen.status == REUSABLE:
                out.append(chosen)
                gained += 1
                continue
        out.append(req)
    return replace(ans, papers=out, national=NationalPart("ok", papers=len(papers), reusable=gained))


@functools.cache
def _owned_stmt(dialect: str, types: bool) -> TextClause:
    return text(lookup_sql.owned_sql(dialect, types=types))


def owned_rows(catalog: Catalog, owner: str, types: Sequence[str] | None = None) -> list[Any]:
    """The visible documents of an owner (``catalog.lookup_sql``), of the given types or all."""
    dialect = catalog.dialect
    if types is None:
        return catalog.read(_owned_stmt(dialect, False), {"owner": owner})
    return catalog.read(
        _owned_stmt(dialect, True), {"owner": owner, "types": lookup_sql.types_param(dialect, list(types))}
    )


_COLS = (
    Document.doc_code,
    Document.type_code,
    Document.type_name,
    Document.issue_date,
    Document.valid_until,
    Document.signed_at,
    Document.status,
    Document.agency,
    Document.paper_code,
)


_ORIGINAL = (
    ElectronicOriginalRow.outcome,
    ElectronicOriginalRow.signer_name,
    ElectronicOriginalRow.signer_org,
    ElectronicOriginalRow.validated_at,
)


def iso_utc(t: datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite hands back naive datetimes that were written in UTC)."""
    if t is None:
        return None
    return (t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)).isoformat()


def _paper(row, original=None) -> Paper:
    """A paper from a row in ``lookup_sql.COLUMNS`` order (an electronic original's four columns last), or from
    ``_COLS`` and ``original`` (those four)."""
    if original is None and len(row) > 10:
        original = row[10:14]
    original = original or (None, None, None, None)
    return Paper(
        doc_code=row[0],
        type_code=row[1],
        type_name=row[2],
        issue_date=row[3],
        valid_until=row[4],
        signature="signed" if row[5] is not None else "unsigned",
        signed_at=lookup_sql.timestamp(row[5]),
        status=row[6],
        agency=row[7],
        paper_code=row[8],
        role=row[9] if len(row) > 9 else None,
        validation=original[0],
        signer_name=original[1],
        signer_org=original[2],
        validated_at=lookup_sql.timestamp(original[3]),
    )


def today(tz: str = "Asia/Ho_Chi_Minh") -> date:
    return datetime.now(ZoneInfo(tz)).date()


def required_types(
    doc_types: DocumentTypes, procedure_code: str | None, type_codes: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(code, Vietnamese name) of each paper a dossier needs: from the procedure, or the list given."""
    if bool(procedure_code) == bool(type_codes):
        raise InvalidCode(
            "give either a procedure code or a list of required paper types (not both, not neither)",
            "cần mã thủ tục hoặc danh sách loại giấy tờ (một trong hai)",
        )
    if procedure_code:
        validate_procedure_code(procedure_code)
        types = doc_types.required_for(procedure_code)
        if not types:
            raise UnknownProcedure(
                f"procedure {procedure_code} is not in the document-type catalogue",
                f"thủ tục {procedure_code} không có trong danh mục giấy tờ",
            )
        return [(t.code, t.name_vi) for t in types]
    codes = list(dict.fromkeys(type_codes or ()))
    if len(codes) > MAX_TYPES:
        raise InvalidCode(f"at most {MAX_TYPES} paper types per check", f"tối đa {MAX_TYPES} loại giấy tờ mỗi lần")
    out = []
    for c in codes:
        t = doc_types.get(c)
        if t is None:
            raise InvalidCode(f"unknown paper type {c!r}", f"loại giấy tờ {c!r} không có trong danh mục")
        out.append((t.code, t.name_vi))
    return out


def _choose(code: str, name: str, papers: list[Paper], day: str) -> RequiredPaper:
    def newest(ps: list[Paper]) -> Paper:
        return max(ps, key=lambda p: (p.issue_date or "", p.doc_code or ""))

    valid = [p for p in papers if p.valid_on(day)]
    # an electronic original counts only while its issuer's signature validates
    good = [
        p for p in valid if p.status == Status.ARCHIVED and p.signature == "signed" and p.validation in (None, "valid")
    ]
    if good:
        return RequiredPaper(code, name, REUSABLE, newest(good))
    if valid:
        p = newest(valid)
        why = (
            "waiting for a clerk's review"
            if p.status == Status.NEEDS_REVIEW
            else "its issuer's signature does not validate"
            if p.validation == "review"
            else "archived without a digital signature"
        )
        return RequiredPaper(code, name, Status.NEEDS_REVIEW, p, why)
    expired = [p for p in papers if p.valid_until is not None and p.valid_until < day]
    if expired:
        p = newest(expired)
        return RequiredPaper(code, name, EXPIRED, p, f"expired on {p.valid_until}")
    return RequiredPaper(code, name, MISSING, None, "no such paper on file")


def reuse_check(
    catalog: Catalog,
    doc_types: DocumentTypes,
    owner_id: str,
    *,
    procedure_code: str | None = None,
    type_codes: Sequence[str] | None = None,
    on_date: date | None = None,
) -> ReuseAnswer:
    """For each paper the procedure (or the list) needs: the reusable document, or why there is none."""
    owner = validate_owner_id(owner_id)
    wanted = required_types(doc_types, procedure_code, type_codes)
    day = (on_date or today()).isoformat()
    rows = owned_rows(catalog, owner, [c for c, _ in wanted])
    return answer(owner, wanted, rows, day, procedure_code)


def answer(
    owner: str, wanted: list[tuple[str, str]], rows: Sequence[Sequence[Any]], day: str, procedure_code: str | None
) -> ReuseAnswer:
    """The reuse answer from the owner's rows (``catalog.lookup_sql.COLUMNS``): shared by ``reuse_check`` and the
    API's hot path, which reads the same rows on the driver directly."""
    by_type: dict[str, list[Paper]] = {}
    for r in rows:
        by_type.setdefault(r[1], []).append(_paper(r))
    return ReuseAnswer(
        owner_id=owner,
        on_date=day,
        procedure_code=procedure_code,
        papers=[_choose(code, name, by_type.get(code, []), day) for code, name in wanted],
    )


def owner_documents(
    catalog: Catalog,
    doc_types: DocumentTypes,
    owner_id: str,
    *,
    type_code: str | None = None,
    valid_on: date | None = None,
) -> list[Paper]:
    """An owner's archived or in-review documents, newest first; optionally of one type, valid on a day."""
    owner = validate_owner_id(owner_id)
    if type_code:
        required_types(doc_types, None, [type_code])  # unknown type → InvalidCode
        rows = owned_rows(catalog, owner, [type_code])
    else:
        rows = owned_rows(catalog, owner)
    papers = [_paper(r) for r in rows]
    if valid_on is not None:
        papers = [p for p in papers if p.valid_on(valid_on.isoformat())]
    return sorted(papers, key=lambda p: (p.issue_date or "", p.doc_code or ""), reverse=True)


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    paper: Paper
    owner_id: str | None
    doc_key: str
    dossier_code: str | None
    pages: int | None
    pdf_key: str | None
    pdf_sha256: str | None
    owners: tuple[tuple[str, str], ...] = ()
    """(role, owner ID) of everyone the paper belongs to."""


def document(catalog: Catalog, doc_code: str) -> DocumentRecord:
    """One visible document by its code (NotFound otherwise, including documents still being processed)."""
    stmt = (
        select(*_COLS, Document.owner_id, Document.key, Document.dossier_code, Document.pages)
        .add_columns(Document.pdf_key, Document.pdf_sha256, *_ORIGINAL)
        .outerjoin(ElectronicOriginalRow, ElectronicOriginalRow.doc_key == Document.key)
    )
    stmt = stmt.where(Document.doc_code == bindparam("code"), Document.status.in_(VISIBLE))
    rows = catalog.read(stmt, {"code": doc_code[:80]})
    if not rows:
        raise NotFound(f"no document with code {doc_code}", f"không có tài liệu mã {doc_code}")
    r = rows[0]
    owners = catalog.read(_OWNERS, {"key": r[10]})
    paper = _paper(r[:9], r[15:19])
    return DocumentRecord(paper, r[9], r[10], r[11], r[12], r[13], r[14], tuple((o[0], o[1]) for o in owners))


_OWNERS = (
    select(DocumentOwner.role, DocumentOwner.owner_id)
    .where(DocumentOwner.doc_key == bindparam("key"))
    .order_by(DocumentOwner.role)
)
