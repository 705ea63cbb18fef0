"""Dossiers registered by the one-stop system, and the fold of the reuse checks that count for them.

The one-stop system (phần mềm một cửa) issues the dossier code and tells us of each dossier it receives
(``POST /v1/dossiers``, scope ``reception``, the key's own agency only): its code, procedure, owner (and the other
persons whose papers it needs), the time it was received and the paper types the procedure requires; later its
resolution (``resolved_at``, outcome). The reuse rate is computed over these dossiers only, so a dossier never
checked counts as not reused instead of being invisible, and a reuse check cannot invent a dossier.

A reuse check *counts* for a registered dossier when all of these hold (anything else is answered and audited by
the lookup API but counts for nothing — see :func:`counts_for`):

* its purpose (``X-Purpose``) is the dossier's code;
* it was made by a key of the dossier's agency (``events.agency``);
* it asked about the dossier's owner or one of its registered persons;
* it was made from one day before the dossier was received until it was resolved.

Reuse checks come many times a second, so they are folded into the dossier rows incrementally
(:func:`fold_reuse_checks`, run before every KPI computation and by the nightly job): only the checks since the
last fold are read (with a few minutes' overlap for rows committed late), and merging is idempotent (a flag and
two sets of paper types), so overlapping or concurrent folds never count anything twice. Registering or
resolving a dossier recomputes its row from the checks already made (found through the indexed owner column).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, DateTime, Index, Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.codes import DOSSIER_CODE_RE, validate_owner_id, validate_procedure_code
from catalog.db import Base, Catalog, Event, utcnow
from catalog.errors import CatalogError, InvalidCode, NotFound

OUTCOMES = ("resolved", "refused", "withdrawn")
OUTCOME_VI = {"resolved": "Giải quyết thành công", "refused": "Từ chối giải quyết", "withdrawn": "Công dân rút hồ sơ"}
CHECK_LEAD = timedelta(days=1)  # a reuse check may come up to a day before the dossier is received
FOLD_OVERLAP = timedelta(minutes=10)  # re-read the last minutes of checks: rows committed late are not missed
REUSE_FOLD = "reuse_checks"
DEFAULT_REUSE_ACTIONS = ("access.reuse_check", "reuse_check")
_MAX_TYPES = 30


class Conflict(CatalogError):
    """The dossier is already registered with other data."""

    reason_code = "dossier_conflict"


class OtherAgency(InvalidCode):
    reason_code = "other_agency"


class CodeDateMismatch(InvalidCode):
    reason_code = "code_date_mismatch"


class NotRegistered(NotFound):
    reason_code = "dossier_not_registered"


class RegisteredDossier(Base):
    __tablename__ = "registered_dossiers"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # issued by the one-stop system
    agency: Mapped[str] = mapped_column(String(20))
    procedure: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[str | None] = mapped_column(String(20), index=True)
    persons: Mapped[list[str]] = mapped_column(JSON, default=list)  # others whose papers the dossier needs
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    required_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))
    registered_by: Mapped[str] = mapped_column(String(100))
    # the fold of the reuse checks that count for it
    reused: Mapped[int] = mapped_column(Integer, default=0)
    found_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    checked_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    papers_required: Mapped[int] = mapped_column(Integer, default=0)  # required types (else those checked)
    papers_found: Mapped[int] = mapped_column(Integer, default=0)  # of them, found reusable
    last_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_registered_dossiers_agency_received", "agency", "received_at"),)


class FoldMark(Base):
    __tablename__ = "kpi_fold_marks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # latest event time folded
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True, slots=True)
class Registration:
    code: str
    agency: str
    procedure: str | None
    received_at: datetime
    required_types: tuple[str, ...]
    resolved_at: datetime | None
    outcome: str | None
    reused: bool
    found_types: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without the persons (the caller knows them; answers carry no ID numbers they need not)."""
        return {
            "code": self.code,
            "agency": self.agency,
            "procedure_code": self.procedure,
            "received_at": self.received_at.isoformat(),
            "required_types": list(self.required_types),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "outcome": self.outcome,
            "reused": self.reused,
            "found_types": list(self.found_types),
        }


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _view(r: RegisteredDossier) -> Registration:
    return Registration(
        r.code,
        r.agency,
        r.procedure,
        _aware(r.received_at),  # type: ignore[arg-type]
        tuple(r.required_types or ()),
        _aware(r.resolved_at),
        r.outcome,
        bool(r.reused),
        tuple(r.found_types or ()),
    )


def _types(values: Iterable[str] | None) -> list[str]:
    out = []
    for v in values or ():
        v = str(v).strip().upper()
        if not v or len(v) > 20 or not all(ch.isalnum() or ch in "._-" for ch in v):
            raise InvalidCode(f"paper type {v[:20]!r} is not valid", f"loại giấy tờ {v[:20]!r} không hợp lệ")
        if v not in out:
            out.append(v)
    if len(out) > _MAX_TYPES:
        raise InvalidCode(f"at most {_MAX_TYPES} paper types", f"tối đa {_MAX_TYPES} loại giấy tờ")
    return out


def check_code(code: str, agency: str | None, received_at: datetime, tz: str) -> str:
    """The one-stop system's dossier code, checked: its form, that it is the key's agency's, and that its date
    is the day it was received (a day either side allowed for a dossier received around midnight)."""
    code = (code or "").strip()
    m = DOSSIER_CODE_RE.match(code)
    if not m:
        raise InvalidCode(
            "dossier code is not of the form 000.00.16.H42-230515-0003",
            "mã hồ sơ không đúng dạng 000.00.16.H42-230515-0003",
        )
    if agency is None or m["agency"] != agency:
        raise OtherAgency(
            "the dossier code names another agency than the key's",
            "mã hồ sơ thuộc cơ quan khác với cơ quan của khóa API",
        )
    s = m["yymmdd"]
    try:
        day = date(2000 + int(s[:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        raise InvalidCode("dossier code has no valid date", "mã hồ sơ có ngày không hợp lệ") from None
    received = received_at.astimezone(ZoneInfo(tz)).date()
    if abs((received - day).days) > 1:
        raise CodeDateMismatch(
            "the date in the dossier code is not the day it was received",
            "ngày trong mã hồ sơ không khớp ngày tiếp nhận",
        )
    return code


def register(
    catalog: Catalog,
    *,
    agency: str | None,
    code: str,
    owner_id: str,
    received_at: datetime,
    procedure: str | None = None,
    persons: Sequence[str] = (),
    required_types: Sequence[str] = (),
    actor: str,
    tz: str = "Asia/Ho_Chi_Minh",
    now: datetime | None = None,
    reuse_actions: Sequence[str] = DEFAULT_REUSE_ACTIONS,
) -> tuple[Registration, bool]:
    """Register a dossier the one-stop system received; (the registration, whether it is new).

    Sending the same registration again is harmless (``False``: nothing changed); the same code with other data
    is a :class:`Conflict`. A registration in the future (beyond five minutes of clock skew) is refused."""
    if received_at.tzinfo is None:
        raise InvalidCode("received_at needs a time zone", "thời điểm tiếp nhận cần có múi giờ")
    received_at = received_at.astimezone(UTC)
    if received_at > (now or datetime.now(UTC)) + timedelta(minutes=5):
        raise InvalidCode("received_at is in the future", "thời điểm tiếp nhận ở tương lai")
    code = check_code(code, agency, received_at, tz)
    owner = validate_owner_id(owner_id)
    others = [validate_owner_id(p) for p in persons if p and p.strip() != owner]
    if len(others) > 10:
        raise InvalidCode("at most 10 other persons", "tối đa 10 người liên quan khác")
    if procedure:
        procedure = validate_procedure_code(procedure.strip())
    types = _types(required_types)
    with catalog.session() as s:
        _lock_fold(s)  # one writer of the fold at a time (see fold_reuse_checks)
        row = s.get(RegisteredDossier, code)
        if row is not None:
            same = (
                row.agency == agency
                and row.owner_id == owner
                and sorted(row.persons or []) == sorted(others)
                and (row.procedure or None) == procedure
                and list(row.required_types or []) == types
                and _aware(row.received_at) == received_at
            )
            if not same:
                raise Conflict(
                    f"dossier {code} is already registered with other data",
                    f"hồ sơ {code} đã được đăng ký với thông tin khác",
                )
            return _view(row), False
        row = RegisteredDossier(
            code=code,
            agency=agency,
            procedure=procedure,
            owner_id=owner,
            persons=others,
            received_at=received_at,
            required_types=types,
            registered_by=actor[:100],
            reused=0,
            found_types=[],
            checked_types=[],
            papers_required=len(types),
            papers_found=0,
        )
        s.add(row)
        _refold(s, row, reuse_actions)
        s.add(
            Event(
                actor=actor[:100],
                agency=agency,
                action="dossier_registered",
                owner_id=owner,
                detail={"dossier": code, "procedure": procedure, "required": types, "persons": len(others)},
            )
        )
        s.flush()
        return _view(row), True


def resolve(
    catalog: Catalog,
    *,
    agency: str | None,
    code: str,
    resolved_at: datetime,
    outcome: str,
    actor: str,
    reuse_actions: Sequence[str] = DEFAULT_REUSE_ACTIONS,
) -> Registration:
    """Record the dossier's resolution (again with the same values: harmless; a correction is recorded too)."""
    if resolved_at.tzinfo is None:
        raise InvalidCode("resolved_at needs a time zone", "thời điểm giải quyết cần có múi giờ")
    resolved_at = resolved_at.astimezone(UTC)
    outcome = (outcome or "").strip().lower()
    if outcome not in OUTCOMES:
        raise InvalidCode(
            f"outcome must be one of {', '.join(OUTCOMES)}", f"kết quả phải là một trong {', '.join(OUTCOMES)}"
        )
    with catalog.session() as s:
        _lock_fold(s)
        row = s.get(RegisteredDossier, (code or "").strip())
        if row is None or row.agency != agency:  # another agency's dossier is as good as unknown
            raise NotRegistered("dossier is not registered", "hồ sơ chưa được đăng ký")
        if resolved_at < _aware(row.received_at):  # type: ignore[operator]
            raise InvalidCode("resolved before it was received", "thời điểm giải quyết trước thời điểm tiếp nhận")
        if _aware(row.resolved_at) == resolved_at and row.outcome == outcome:
            return _view(row)
        row.resolved_at, row.outcome = resolved_at, outcome
        _refold(s, row, reuse_actions)
        s.add(
            Event(
                actor=actor[:100],
                agency=agency,
                action="dossier_resolved",
                detail={"dossier": row.code, "outcome": outcome},
            )
        )
        s.flush()
        return _view(row)


def get(catalog: Catalog, agency: str | None, code: str) -> Registration:
    with catalog.session() as s:
        row = s.get(RegisteredDossier, (code or "").strip())
        if row is None or row.agency != agency:
            raise NotRegistered("dossier is not registered", "hồ sơ chưa được đăng ký")
        return _view(row)


# --- the fold of reuse checks ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Check:
    at: datetime
    agency: str | None
    owner_id: str | None
    reused: bool
    found: frozenset[str]
    checked: frozenset[str]
    listed: bool = False  # the check said which papers it found (the lookup API's ``found``)


def _check(at: datetime, agency: str | None, owner: str | None, detail: dict[str, Any]) -> Check:
    from catalog.kpi.scope import reuse_found  # the one reader of the lookup API's contract

    found = detail.get("found")
    types = detail.get("types")
    return Check(
        _aware(at),  # type: ignore[arg-type]
        agency,
        owner,
        reuse_found(detail),
        frozenset(str(t) for t in found) if isinstance(found, list) else frozenset(),
        frozenset(str(t) for t in types) if isinstance(types, list) else frozenset(),
        isinstance(found, list),
    )


def counts_for(row: RegisteredDossier | Registration, persons: Iterable[str | None], check: Check) -> bool:
    """Whether a reuse check (already known to name the dossier as purpose) counts for it."""
    received = _aware(row.received_at)
    resolved = _aware(row.resolved_at)
    return (
        check.agency is not None
        and check.agency == row.agency
        and check.owner_id is not None
        and check.owner_id in set(persons)
        and check.at >= received - CHECK_LEAD  # type: ignore[operator]
        and (resolved is None or check.at <= resolved)
    )


def _persons(row: RegisteredDossier) -> set[str | None]:
    return {row.owner_id, *(row.persons or [])}


def _apply(row: RegisteredDossier, checks: Iterable[Check], *, reset: bool) -> bool:
    """Merge the checks that count into the row; whether anything changed."""
    persons = _persons(row)
    reused = 0 if reset else int(row.reused or 0)
    found = set() if reset else set(row.found_types or ())
    checked = set() if reset else set(row.checked_types or ())
    last = None if reset else _aware(row.last_check_at)
    required = set(row.required_types or ())
    for c in checks:
        if not counts_for(row, persons, c):
            continue
        # reused = at least one paper the dossier requires found reusable; a writer giving only a count: its word
        hit = bool(c.found & (required or c.found)) if c.listed else c.reused
        reused = reused or int(hit)
        found |= c.found
        checked |= c.checked
        last = c.at if last is None or c.at > last else last
    need = set(row.required_types or ()) or checked
    new = (reused, sorted(found), sorted(checked), last, len(need), len(found & need))
    old = (
        int(row.reused or 0),
        list(row.found_types or ()),
        list(row.checked_types or ()),
        _aware(row.last_check_at),
        row.papers_required,
        row.papers_found,
    )
    if new == old:
        return False
    (row.reused, row.found_types, row.checked_types, row.last_check_at, row.papers_required, row.papers_found) = new
    return True


def _refold(s: Session, row: RegisteredDossier, actions: Sequence[str]) -> None:
    """Recompute one dossier from every check already made about its persons (indexed by owner)."""
    persons = [p for p in _persons(row) if p]
    purpose = Event.detail["purpose"].as_string()
    q = select(Event.at, Event.agency, Event.owner_id, Event.detail).where(
        Event.owner_id.in_(persons),
        Event.action.in_(tuple(actions)),
        Event.at >= _aware(row.received_at) - CHECK_LEAD,  # type: ignore[operator]
        purpose == row.code,
    )
    _apply(row, (_check(*r) for r in s.execute(q)), reset=True)


def _lock_fold(s: Session) -> FoldMark:
    """Take the fold's lock: the first statement of the transaction writes the mark row, so concurrent folds and
    registrations run one after another (a row lock on PostgreSQL, the write lock on SQLite)."""
    now = utcnow()
    if s.execute(update(FoldMark).where(FoldMark.name == REUSE_FOLD).values(updated_at=now)).rowcount == 0:
        try:
            with s.begin_nested():
                s.add(FoldMark(name=REUSE_FOLD, at=None, updated_at=now))
        except IntegrityError:  # created meanwhile by another fold
            s.execute(update(FoldMark).where(FoldMark.name == REUSE_FOLD).values(updated_at=now))
    mark = s.get(FoldMark, REUSE_FOLD, populate_existing=True)
    assert mark is not None
    return mark


def fold_reuse_checks(catalog: Catalog, actions: Sequence[str] = DEFAULT_REUSE_ACTIONS) -> int:
    """Fold the reuse checks made since the last fold into their registered dossiers; the dossiers changed."""
    actions = tuple(actions)
    if not actions:
        return 0
    purpose = Event.detail["purpose"].as_string()
    changed = 0
    with catalog.session() as s:
        mark = _lock_fold(s)
        since = _aware(mark.at)
        q = select(purpose, Event.at, Event.agency, Event.owner_id, Event.detail).where(
            Event.action.in_(actions), purpose.is_not(None)
        )
        if since is not None:
            q = q.where(Event.at >= since - FOLD_OVERLAP)
        by_code: dict[str, list[Check]] = defaultdict(list)
        latest = since
        for code, at, agency, owner, detail in s.execute(q):
            at = _aware(at)
            latest = at if latest is None or at > latest else latest
            if code and DOSSIER_CODE_RE.match(code):
                by_code[code].append(_check(at, agency, owner, detail or {}))
        codes = sorted(by_code)
        for i in range(0, len(codes), 500):
            for row in s.scalars(select(RegisteredDossier).where(RegisteredDossier.code.in_(codes[i : i + 500]))):
                changed += _apply(row, by_code[row.code], reset=False)
        if latest is not None and (since is None or latest > since):
            mark.at = latest
    return changed
