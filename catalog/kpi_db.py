"""What the plan's KPIs need beyond the pipeline's own records: agencies, operators, yearly denominators.

* ``agencies``: every receiving/digitizing office with its administrative level (province, district,
  commune) and organisation type (a state one-stop office, or the postal service taking over reception);
* ``operators``: the people who run batches and reviews, with their agency and organisation (a postal
  operator works *for* an agency but belongs to the postal service);
* ``agency_years``: per agency and year, the denominator of the digitization rate — results still valid
  that the agency holds on paper — and optionally its reception staff count;
* ``kpi_snapshots``: the nightly KPI figures, kept so trends survive later corrections.

New tables live here (revision 0007), not in ``catalog/db.py``; they use the same ``Base`` and sessions.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.codes import AGENCY_CODE_RE
from catalog.db import Base, Catalog, Document, Dossier, Event, utcnow
from catalog.errors import InvalidCode, NotFound

LEVELS = ("province", "district", "commune")
LEVEL_VI = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
ORG_TYPES = ("state", "postal", "other")
ORG_TYPE_VI = {"state": "Cơ quan nhà nước", "postal": "Bưu điện", "other": "Tổ chức khác"}
_OPERATOR_RE = re.compile(r"^[\w.@\-]{1,100}$")


class Agency(Base):
    __tablename__ = "agencies"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)  # 000.00.16.H42
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10), index=True)  # province | district | commune
    org_type: Mapped[str] = mapped_column(String(10), default="state")  # state | postal | other
    parent: Mapped[str | None] = mapped_column(String(20))
    # revision 0015: agencies are dated data — the map changed on 1 July 2025 (two-level local government)
    valid_from: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD; None = always
    valid_to: Mapped[str | None] = mapped_column(String(10))  # last day it existed; None = still exists
    merged_into: Mapped[str | None] = mapped_column(String(20))  # successor after valid_to
    split_from: Mapped[str | None] = mapped_column(String(20))  # predecessor it was carved out of
    remote: Mapped[int | None] = mapped_column(Integer)  # remote / especially difficult commune: exempt
    rollout_from: Mapped[str | None] = mapped_column(String(10))  # digitization process running since
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Operator(Base):
    __tablename__ = "operators"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the operator ID used in batches
    name: Mapped[str | None] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    organisation: Mapped[str | None] = mapped_column(String(200))  # e.g. "Bưu điện tỉnh Ninh Bình"
    org_type: Mapped[str] = mapped_column(String(10), default="state")
    active: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgencyYear(Base):
    __tablename__ = "agency_years"
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    results_on_paper: Mapped[int | None] = mapped_column(Integer)  # still-valid results held on paper
    staff: Mapped[int | None] = mapped_column(Integer)  # reception staff; None = count the operators
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class KpiSnapshot(Base):
    __tablename__ = "kpi_snapshots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    period: Mapped[str] = mapped_column(String(10), index=True)  # 2026Q4
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


# The KPIs filter the pipeline's own records by agency and time (created in revision 0007).
Index("ix_dossiers_agency_created", Dossier.agency, Dossier.created_at)
Index("ix_documents_agency_archived", Document.agency, Document.archived_at)


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    code: str
    name: str
    level: str
    org_type: str = "state"
    parent: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    merged_into: str | None = None
    split_from: str | None = None
    remote: bool = False
    rollout_from: str | None = None

    def exists_during(self, first: str, last: str) -> bool:
        """Whether it existed on some day from ``first`` to ``last`` (ISO dates, inclusive)."""
        return (self.valid_from is None or self.valid_from <= last) and (
            self.valid_to is None or self.valid_to >= first
        )


DATED_FIELDS = ("valid_from", "valid_to", "merged_into", "split_from", "remote", "rollout_from")


def _info(a: Agency) -> AgencyInfo:
    return AgencyInfo(
        a.code,
        a.name,
        a.level,
        a.org_type,
        a.parent,
        a.valid_from,
        a.valid_to,
        a.merged_into,
        a.split_from,
        bool(a.remote),
        a.rollout_from,
    )


def _check_day(value: str | None, what: str) -> str | None:
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise InvalidCode(
            f"{what} {value!r} is not a date YYYY-MM-DD", f"{what} {value!r} không phải ngày YYYY-MM-DD"
        ) from None


def _check_agency(code: str) -> str:
    code = code.strip()
    if not AGENCY_CODE_RE.match(code):
        raise InvalidCode(
            f"agency code {code!r} is not of the form 000.00.00.H42",
            f"mã cơ quan {code!r} không đúng dạng 000.00.00.H42",
        )
    return code


def _check_choice(value: str, choices: tuple[str, ...], what: str, what_vi: str) -> str:
    value = value.strip().lower()
    if value not in choices:
        raise InvalidCode(
            f"{what} {value!r} must be one of {', '.join(choices)}",
            f"{what_vi} {value!r} phải là một trong {', '.join(choices)}",
        )
    return value


def upsert_agency(
    catalog: Catalog,
    code: str,
    *,
    name: str,
    level: str,
    org_type: str = "state",
    parent: str | None = None,
    actor: str = "system",
    **dated: Any,
) -> AgencyInfo:
    """Register or update an agency; ``dated`` sets its validity and successors (:data:`DATED_FIELDS`).

    A dated field not given keeps its stored value; an old agency keeps its code and the documents it handled.
    """
    code = _check_agency(code)
    level = _check_choice(level, LEVELS, "level", "cấp")
    org_type = _check_choice(org_type, ORG_TYPES, "organisation type", "loại tổ chức")
    if parent:
        parent = _check_agency(parent)
    unknown = set(dated) - set(DATED_FIELDS)
    if unknown:
        raise TypeError(f"unknown agency fields {sorted(unknown)}")
    for k in ("valid_from", "valid_to", "rollout_from"):
        if k in dated:
            dated[k] = _check_day(dated[k], k)
    for k in ("merged_into", "split_from"):
        if dated.get(k):
            dated[k] = _check_agency(dated[k])
    if "remote" in dated:
        dated["remote"] = 1 if dated["remote"] else 0
    if dated.get("valid_from") and dated.get("valid_to") and dated["valid_from"] > dated["valid_to"]:
        raise InvalidCode(
            f"agency {code}: valid_from is after valid_to", f"cơ quan {code}: ngày bắt đầu sau ngày kết thúc"
        )
    with catalog.session() as s:
        row = s.get(Agency, code)
        if row is None:
            row = Agency(code=code, name=name, level=level, org_type=org_type, parent=parent)
            s.add(row)
        else:
            row.name, row.level, row.org_type, row.parent = name, level, org_type, parent
        for k, v in dated.items():
            setattr(row, k, v)
        s.add(
            Event(
                actor=actor,
                agency=code,
                action="agency_set",
                detail={"level": level, "org_type": org_type, **{k: v for k, v in dated.items() if v is not None}},
            )
        )
        s.flush()
        return _info(row)


def list_agencies(catalog: Catalog) -> list[AgencyInfo]:
    with catalog.session() as s:
        return [_info(a) for a in s.scalars(select(Agency).order_by(Agency.code))]


def upsert_operator(
    catalog: Catalog,
    operator_id: str,
    *,
    agency: str,
    name: str | None = None,
    organisation: str | None = None,
    org_type: str = "state",
    actor: str = "system",
) -> None:
    if not _OPERATOR_RE.match(operator_id):
        raise InvalidCode(f"operator ID {operator_id!r} is not valid", f"mã cán bộ {operator_id!r} không hợp lệ")
    agency = _check_agency(agency)
    org_type = _check_choice(org_type, ORG_TYPES, "organisation type", "loại tổ chức")
    with catalog.session() as s:
        if s.get(Agency, agency) is None:
            raise NotFound(f"agency {agency} is not registered", f"cơ quan {agency} chưa được khai báo")
        row = s.get(Operator, operator_id)
        if row is None:
            s.add(Operator(id=operator_id, agency=agency, name=name, organisation=organisation, org_type=org_type))
        else:
            row.agency, row.name, row.organisation, row.org_type = agency, name, organisation, org_type
        s.add(Event(actor=actor, agency=agency, action="operator_set", detail={"operator": operator_id}))


def set_year(
    catalog: Catalog,
    agency: str,
    year: int,
    *,
    results_on_paper: int | None = None,
    staff: int | None = None,
    actor: str = "system",
) -> None:
    """Enter (or correct) an agency's denominator and staff count for one year; unknown agencies are refused."""
    agency = _check_agency(agency)
    if not 2000 <= year <= 2100:
        raise InvalidCode(f"year {year} is out of range", f"năm {year} không hợp lệ")
    for v, what, vi in ((results_on_paper, "results on paper", "số kết quả giấy"), (staff, "staff", "số cán bộ")):
        if v is not None and v < 0:
            raise InvalidCode(f"{what} must not be negative", f"{vi} không được âm")
    with catalog.session() as s:
        if s.get(Agency, agency) is None:
            raise NotFound(
                f"agency {agency} is not registered (sohoa targets agency {agency} --name … --level …)",
                f"cơ quan {agency} chưa được khai báo (sohoa targets agency {agency} --name … --level …)",
            )
        row = s.get(AgencyYear, (agency, year))
        if row is None:
            s.add(
                AgencyYear(agency=agency, year=year, results_on_paper=results_on_paper, staff=staff, updated_by=actor)
            )
        else:
            if results_on_paper is not None:
                row.results_on_paper = results_on_paper
            if staff is not None:
                row.staff = staff
            row.updated_by = actor
        s.add(
            Event(
                actor=actor,
                agency=agency,
                action="targets_set",
                detail={"year": year, "results_on_paper": results_on_paper, "staff": staff},
            )
        )


def agency_years(catalog: Catalog) -> dict[tuple[str, int], tuple[int | None, int | None]]:
    """(agency, year) -> (results_on_paper, staff)."""
    with catalog.session() as s:
        return {(r.agency, r.year): (r.results_on_paper, r.staff) for r in s.scalars(select(AgencyYear))}


def operators(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """operator ID -> (agency, org_type)."""
    with catalog.session() as s:
        return {o.id: (o.agency, o.org_type) for o in s.scalars(select(Operator).where(Operator.active == 1))}


CSV_COLUMNS = ("agency", "year", "results_on_paper", "staff", "name", "level", "org_type", "parent", *DATED_FIELDS)


def import_csv(catalog: Catalog, path: Path, *, actor: str = "system") -> int:
    """Import ``agency,year,results_on_paper[,staff,name,level,org_type,parent,valid_from,valid_to,merged_into,
    split_from,remote,rollout_from]`` rows (UTF-8, , or ;).

    A row with ``name`` and ``level`` also registers (or updates) the agency, with its validity and successors
    when those columns are present (the 2025 map: a commune merged into another on 2025-06-30 has ``valid_to``
    and ``merged_into``); a row without ``year`` only registers the agency. All rows are checked before any is
    written: one bad row rejects the file, with its line number.
    """
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    missing = {"agency"} - set(reader.fieldnames or ())
    if not missing and not {"year", "level"} & set(reader.fieldnames or ()):
        missing = {"year", "results_on_paper"}
    if missing:
        raise InvalidCode(
            f"{path.name}: missing columns {', '.join(sorted(missing))}",
            f"{path.name}: thiếu cột {', '.join(sorted(missing))}",
        )
    rows: list[dict[str, Any]] = []
    known = {a.code for a in list_agencies(catalog)}
    for line, raw in enumerate(reader, start=2):
        r = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        try:
            code = _check_agency(r["agency"])
            year = int(r["year"]) if r.get("year") else None
            paper = int(r["results_on_paper"]) if r.get("results_on_paper") else None
            staff = int(r["staff"]) if r.get("staff") else None
            dated: dict[str, Any] = {}
            for k in DATED_FIELDS:
                if k in r:
                    dated[k] = r[k] or None
            if "remote" in dated:
                dated["remote"] = (dated["remote"] or "").lower() in ("1", "true", "yes", "x", "có", "co")
            for k in ("valid_from", "valid_to", "rollout_from"):
                if k in dated:
                    dated[k] = _check_day(dated[k], k)
            for k in ("merged_into", "split_from"):
                if dated.get(k):
                    _check_agency(dated[k])
            if r.get("level"):
                _check_choice(r["level"], LEVELS, "level", "cấp")
                known.add(code)
            elif code not in known:
                raise NotFound(f"agency {code} is not registered", f"cơ quan {code} chưa được khai báo")
            if year is None and not r.get("level"):
                raise InvalidCode("a row needs a year or a level", "mỗi dòng cần năm hoặc cấp")
        except (ValueError, InvalidCode, NotFound) as e:
            en = str(e)
            vi = getattr(e, "vi", str(e))
            raise InvalidCode(f"{path.name} line {line}: {en}", f"{path.name} dòng {line}: {vi}") from e
        rows.append({**r, "agency": code, "year": year, "paper": paper, "staff_n": staff, "dated": dated})
    for r in rows:
        if r.get("level"):
            upsert_agency(
                catalog,
                r["agency"],
                name=r.get("name") or r["agency"],
                level=r["level"],
                org_type=r.get("org_type") or "state",
                parent=r.get("parent") or None,
                actor=actor,
                **r["dated"],
            )
        if r["year"] is not None:
            set_year(catalog, r["agency"], r["year"], results_on_paper=r["paper"], staff=r["staff_n"], actor=actor)
    return len(rows)


def save_snapshot(catalog: Catalog, period: str, data: dict[str, Any]) -> int:
    with catalog.session() as s:
        row = KpiSnapshot(period=period, data=data)
        s.add(row)
        s.flush()
        return row.id


def latest_snapshot(catalog: Catalog, period: str) -> tuple[datetime, dict[str, Any]] | None:
    with catalog.session() as s:
        row = s.scalar(select(KpiSnapshot).where(KpiSnapshot.period == period).order_by(KpiSnapshot.id.desc()).limit(1))
        return (row.taken_at, row.data) if row else None
