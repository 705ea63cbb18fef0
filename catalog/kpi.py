"""The plan's KPIs, computed from the catalog against the plan's targets (``catalog/data/kpi.toml``).

Every figure comes from records the pipeline and the lookup API already write; nothing is counted by hand:

* **digitization rate** of still-valid results, per agency and level: results (``documents.kind = result``,
  archived or in review, still valid at the end of the period) digitized by the agency since the plan's start,
  over the still-valid results the agency holds on paper (``agency_years.results_on_paper``, entered with
  ``sohoa targets set`` or imported; the latest year entered up to the period's year is used);
* **reuse rate**: of the dossiers received in the period, the share for which at least one required paper was
  satisfied by a reuse check. A dossier is *received* when its code (``<agency>-<YYMMDD>-<NNNN>``) dates in the
  period and it is in the catalog or named as the purpose of a reuse check; it is *reused* when a reuse-check
  event names it as purpose and reports at least one reusable paper (see :func:`reuse_found`);
* **dossiers and pages per staff member**, against the yearly target prorated to the period;
* review backlog and its age, OCR confidence, quarantine reasons, processing time (per stage when the runner
  recorded it), fixity and signature-renewal results (absent data is ``None``, never a zero).

Functions take the catalog, a :class:`Period` and :class:`Targets` and return plain, JSON-ready dicts, so the
dashboard, the reports and the nightly snapshot show the same numbers.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import statistics
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select

from catalog.codes import DOSSIER_CODE_RE
from catalog.db import ARCHIVED, NEEDS_REVIEW, Catalog, Document, Dossier, Event
from catalog.errors import InvalidCode
from catalog.kpi_db import LEVEL_VI, LEVELS, AgencyInfo, agency_years, latest_snapshot, list_agencies, operators
from catalog.types import DATA_DIR

VN = ZoneInfo("Asia/Ho_Chi_Minh")
_PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:-?Q(?P<q>[1-4]))?$", re.I)
STAGES = ("ingest", "ocr", "classify", "codes", "pdf", "sign", "store", "catalog")
"""The stages ``pipeline.run`` times (``stage_timings`` events, ``detail.seconds.<stage>``)."""
_RESULT_RE = re.compile(r"^(\d+)\s*/\s*(\d+)\b")
OCR_BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
AGE_BUCKETS = ((1, "< 1 ngày"), (7, "1–7 ngày"), (30, "7–30 ngày"), (None, "> 30 ngày"))


# --- periods ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Period:
    """A quarter (``2026Q4``) or a year (``2026``), in Vietnam time; ``end`` is exclusive."""

    year: int
    quarter: int | None = None

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def label_vi(self) -> str:
        return f"Quý {_roman(self.quarter)}/{self.year}" if self.quarter else f"Năm {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def end_day(self) -> date:
        """First day after the period."""
        if not self.quarter or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.quarter + 1, 1)

    @property
    def months(self) -> int:
        return 3 if self.quarter else 12

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), VN).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_day, datetime.min.time(), VN).astimezone(UTC)

    def previous(self) -> Period:
        if not self.quarter:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    def quarters(self) -> list[Period]:
        return [self] if self.quarter else [Period(self.year, q) for q in range(1, 5)]


def _roman(n: int | None) -> str:
    return {1: "I", 2: "II", 3: "III", 4: "IV"}.get(n or 0, "")


def parse_period(text: str) -> Period:
    m = _PERIOD_RE.match(text.strip())
    if not m or not 2000 <= int(m["y"]) <= 2100:
        raise InvalidCode(
            f"period {text!r} must be a quarter like 2026Q4 or a year like 2026",
            f"kỳ {text!r} phải là quý (vd. 2026Q4) hoặc năm (vd. 2026)",
        )
    return Period(int(m["y"]), int(m["q"]) if m["q"] else None)


def current_period(now: datetime | None = None) -> Period:
    d = (now or datetime.now(UTC)).astimezone(VN).date()
    return Period(d.year, (d.month - 1) // 3 + 1)


def trend_periods(period: Period, n: int = 4) -> list[Period]:
    """The quarters shown as a trend: the year's four for a year, else the last ``n`` ending at the period."""
    if not period.quarter:
        return period.quarters()
    out = [period]
    while len(out) < n:
        out.insert(0, out[0].previous())
    return out


# --- targets ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    """The plan's targets, read from data (``catalog/data/kpi.toml`` or a province's own file)."""

    start_year: int
    first: dict[str, float]
    step: float
    cap: float
    reuse_years: dict[int, dict[str, float]]
    per_staff: dict[str, int]
    events: dict[str, tuple[str, ...]]
    version: str = ""

    def digitization(self, level: str | None, year: int) -> float | None:
        if level not in self.first or year < self.start_year:
            return None
        return min(self.cap, self.first[level] + self.step * (year - self.start_year))

    def reuse(self, level: str | None, year: int) -> float | None:
        years = sorted(self.reuse_years)
        if not years or level is None or year < years[0]:
            return None
        if year >= years[-1]:
            return self.reuse_years[years[-1]].get(level)
        lo = max(y for y in years if y <= year)
        hi = min(y for y in years if y > year)
        a, b = self.reuse_years[lo].get(level), self.reuse_years[hi].get(level)
        if a is None or b is None:
            return a
        return round(a + (b - a) * (year - lo) / (hi - lo), 1)

    def dossiers_per_staff(self, level: str | None) -> int | None:
        return self.per_staff.get(level) if level else None


@functools.cache
def _read_targets(path: str) -> Targets:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        d, r, s = data["digitization"], data["reuse"], data["per_staff"]
        return Targets(
            start_year=int(d["start_year"]),
            first={k: float(v) for k, v in d["first"].items()},
            step=float(d["step"]),
            cap=float(d.get("cap", 100.0)),
            reuse_years={int(y): {k: float(v) for k, v in lv.items()} for y, lv in r["years"].items()},
            per_staff={k: int(v) for k, v in s["dossiers"].items()},
            events={k: tuple(v) for k, v in data.get("events", {}).items()},
            version=str(data.get("version", "")),
        )
    except (OSError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as e:
        from catalog.errors import CatalogueDataError

        raise CatalogueDataError(
            f"KPI targets file {path} is invalid: {e}", f"tệp chỉ tiêu KPI {path} không hợp lệ: {e}"
        ) from e


def load_targets(path: str | Path | None = None) -> Targets:
    return _read_targets(str(path or DATA_DIR / "kpi.toml"))


# --- helpers ----------------------------------------------------------------------------------------
def _pct(num: int | float, den: int | float | None) -> float | None:
    if not den:
        return None
    return round(100.0 * num / den, 1)


def infer_level(code: str) -> str:
    """Level from the agency code's shape (``000.ZZ.YY.H42``): a fallback for agencies not registered."""
    parts = code.split(".")
    if len(parts) == 4 and parts[1] != "00":
        return "commune"
    if len(parts) == 4 and parts[2] != "00":
        return "district"
    return "province"


@dataclass(frozen=True, slots=True)
class Scope:
    """The agencies a figure covers: all, one level, or one agency."""

    agencies: dict[str, AgencyInfo]
    level: str | None = None
    agency: str | None = None

    def includes(self, code: str | None) -> bool:
        if code is None:
            return False
        if self.agency:
            return code == self.agency
        if self.level:
            return self.level_of(code) == self.level
        return True

    def level_of(self, code: str) -> str:
        a = self.agencies.get(code)
        return a.level if a else infer_level(code)

    def name_of(self, code: str) -> str:
        a = self.agencies.get(code)
        return a.name if a else code


def make_scope(catalog: Catalog, level: str | None = None, agency: str | None = None) -> Scope:
    if level and level not in LEVELS:
        raise InvalidCode(f"level must be one of {', '.join(LEVELS)}", f"cấp phải là một trong {', '.join(LEVELS)}")
    return Scope({a.code: a for a in list_agencies(catalog)}, level, agency)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _dossier_day(code: str) -> date | None:
    m = DOSSIER_CODE_RE.match(code or "")
    if not m:
        return None
    s = m["yymmdd"]
    try:
        return date(2000 + int(s[:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        return None


def reuse_found(detail: dict[str, Any]) -> bool:
    """Whether a reuse-check event satisfied at least one required paper (the contract with the lookup API).

    The lookup API (``catalog.audit``) records ``access.reuse_check`` events whose ``detail`` holds
    ``purpose`` (the dossier code, from ``X-Purpose``) and ``result`` = ``"<reusable>/<required> reusable"``.
    Also read, for other writers: ``reused`` / ``reusable`` (number of papers found reusable), ``share`` /
    ``reusable_share`` (fraction of the dossier's papers that need not be submitted), or a ``result`` of
    ``full`` / ``partial`` / ``reusable`` / ``found``.
    """
    for k in ("reused", "reusable"):
        v = detail.get(k)
        if isinstance(v, bool):
            return v
        if isinstance(v, int | float):
            return v > 0
        if isinstance(v, list):
            return len(v) > 0
    for k in ("share", "reusable_share", "share_not_required"):
        v = detail.get(k)
        if isinstance(v, int | float):
            return v > 0
    result = str(detail.get("result") or "").strip().lower()
    m = _RESULT_RE.match(result)
    if m:
        return int(m[1]) > 0
    return result in ("full", "partial", "reusable", "found")


def _events(catalog: Catalog, actions: Iterable[str], start: datetime | None, end: datetime | None) -> list[Event]:
    actions = tuple(actions)
    if not actions:
        return []
    q = select(Event).where(Event.action.in_(actions))
    if start is not None:
        q = q.where(Event.at >= start)
    if end is not None:
        q = q.where(Event.at < end)
    with catalog.session() as s:
        return list(s.scalars(q.order_by(Event.id)))


# --- digitization -----------------------------------------------------------------------------------
def digitization(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Still-valid results digitized since the plan's start, over those held on paper, per agency and level."""
    start = Period(targets.start_year).start
    valid_on = period.end_day.isoformat()
    q = (
        select(Document.agency, func.count())
        .where(
            Document.kind == "result",
            Document.status.in_((ARCHIVED, NEEDS_REVIEW)),
            Document.archived_at >= start,
            Document.archived_at < period.end,
            (Document.valid_until.is_(None)) | (Document.valid_until >= valid_on),
        )
        .group_by(Document.agency)
    )
    with catalog.session() as s:
        done = {a: n for a, n in s.execute(q) if scope.includes(a)}
    years = agency_years(catalog)
    codes = sorted(set(done) | {c for c in scope.agencies if scope.includes(c)})
    rows = []
    for code in codes:
        den, den_year = None, None
        for (a, y), (paper, _staff) in years.items():
            if a == code and paper is not None and y <= period.year and (den_year is None or y > den_year):
                den, den_year = paper, y
        level = scope.level_of(code)
        target = targets.digitization(level, period.year)
        rate = _pct(done.get(code, 0), den)
        rows.append(
            {
                "agency": code,
                "name": scope.name_of(code),
                "level": level,
                "digitized": done.get(code, 0),
                "on_paper": den,
                "on_paper_year": den_year,
                "rate": rate,
                "target": target,
                "met": None if rate is None or target is None else rate >= target,
            }
        )
    return {
        "valid_on": valid_on,
        "by_agency": rows,
        "by_level": _levels(rows, "digitized", "on_paper", lambda lv: targets.digitization(lv, period.year), scope),
    }


def _levels(rows: list[dict], num: str, den: str, target, scope: Scope) -> list[dict[str, Any]]:
    out = []
    for level in LEVELS:
        if scope.level and level != scope.level:
            continue
        sel = [r for r in rows if r["level"] == level]
        counted = [r for r in sel if r[den]]
        n, d = sum(r[num] for r in counted), sum(r[den] for r in counted)
        rate = _pct(n, d)
        t = target(level)
        out.append(
            {
                "level": level,
                "level_vi": LEVEL_VI[level],
                "agencies": len(sel),
                num: sum(r[num] for r in sel),
                den: d if counted or den == "received" else None,
                "rate": rate,
                "target": t,
                "met": None if rate is None or t is None else rate >= t,
            }
        )
    return out


# --- reuse --------------------------------------------------------------------------------------------
def received_dossiers(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, dict[str, bool]]:
    """agency -> {dossier code: reused?} for the dossiers received in the period."""
    return received_by_period(catalog, [period], targets, scope)[period.label]


def received_by_period(
    catalog: Catalog, periods: list[Period], targets: Targets, scope: Scope
) -> dict[str, dict[str, dict[str, bool]]]:
    """period label -> agency -> {dossier code: reused?}, for several periods in one pass over the records."""
    first = min(p.first_day for p in periods)
    last = max(p.end_day for p in periods)
    span_start, span_end = min(p.start for p in periods), max(p.end for p in periods)
    with catalog.session() as s:
        rows = list(
            s.execute(
                # a dossier received at the end of a period may be scanned a little later
                select(Dossier.code, Dossier.agency, Dossier.created_at).where(
                    Dossier.created_at >= span_start - timedelta(days=2),
                    Dossier.created_at < span_end + timedelta(days=31),
                )
            )
        )
    found: dict[str, bool] = {}
    agency_of: dict[str, str] = {}
    day_of: dict[str, date] = {}
    for code, agency, created in rows:
        day = _dossier_day(code) or _aware(created).astimezone(VN).date()
        if first <= day < last:
            found[code], agency_of[code], day_of[code] = False, agency, day
    # Reuse checks are made at reception, before or while the dossier is scanned (or instead of scanning).
    window = (span_start - timedelta(days=2), span_end + timedelta(days=31))
    for purpose, reused in _reuse_checks(catalog, targets.events.get("reuse_check", ()), *window):
        day = _dossier_day(purpose)
        if day is None or not first <= day < last:
            continue
        agency_of.setdefault(purpose, purpose.split("-", 1)[0])
        day_of.setdefault(purpose, day)
        found[purpose] = found.get(purpose, False) or reused
    out: dict[str, dict[str, dict[str, bool]]] = {p.label: defaultdict(dict) for p in periods}
    bounds = [(p.label, p.first_day, p.end_day) for p in periods]
    for code, reused in found.items():
        agency = agency_of[code]
        if not scope.includes(agency):
            continue
        for label, lo, hi in bounds:
            if lo <= day_of[code] < hi:
                out[label][agency][code] = reused
    return {k: dict(v) for k, v in out.items()}


def _reuse_checks(
    catalog: Catalog, actions: Iterable[str], start: datetime, end: datetime
) -> Iterable[tuple[str, bool]]:
    """(dossier code, found something reusable?) for the reuse checks in a time window.

    Reuse checks come many times a second, so the database reduces the lookup API's rows (``result`` =
    ``"<reusable>/<required> reusable"``) to one row per dossier; rows of other writers are read whole.
    """
    actions = tuple(actions)
    if not actions:
        return
    purpose, result = Event.detail["purpose"].as_string(), Event.detail["result"].as_string()
    where = (Event.action.in_(actions), Event.at >= start, Event.at < end, purpose.is_not(None))
    api_shape = result.like("%/% reusable")
    with catalog.session() as s:
        per_dossier = list(
            s.execute(
                select(purpose, func.max(case((result.like("0/%"), 0), else_=1)))
                .where(*where, api_shape)
                .group_by(purpose)
            )
        )
        others = list(s.scalars(select(Event.detail).where(*where, or_(result.is_(None), ~api_shape))))
    for p, any_reused in per_dossier:
        yield str(p), bool(any_reused)
    for d in others:
        yield str((d or {}).get("purpose") or ""), reuse_found(d or {})


def reuse(catalog: Catalog, period: Period, targets: Targets, scope: Scope, received=None) -> dict[str, Any]:
    received = received if received is not None else received_dossiers(catalog, period, targets, scope)
    codes = sorted(set(received) | {c for c in scope.agencies if scope.includes(c)})
    rows = []
    for code in codes:
        got = received.get(code, {})
        n = sum(1 for v in got.values() if v)
        level = scope.level_of(code)
        target = targets.reuse(level, period.year)
        rate = _pct(n, len(got))
        rows.append(
            {
                "agency": code,
                "name": scope.name_of(code),
                "level": level,
                "received": len(got),
                "reused": n,
                "rate": rate,
                "target": target,
                "met": None if rate is None or target is None else rate >= target,
            }
        )
    return {
        "by_agency": rows,
        "by_level": _levels(rows, "reused", "received", lambda lv: targets.reuse(lv, period.year), scope),
    }


# --- per staff member ---------------------------------------------------------------------------------
def per_staff(catalog: Catalog, period: Period, targets: Targets, scope: Scope, received=None) -> dict[str, Any]:
    """Dossiers received and pages digitized per staff member in the period, against the prorated target.

    Staff = the count entered for the agency and year (``sohoa targets set --staff``), else the registered
    active operators of the agency, else the operators who digitized there in the period (``staff_source``).
    """
    received = received if received is not None else received_dossiers(catalog, period, targets, scope)
    with catalog.session() as s:
        pages = dict(
            s.execute(
                select(Document.agency, func.coalesce(func.sum(Document.pages), 0))
                .where(
                    Document.status.in_((ARCHIVED, NEEDS_REVIEW)),
                    Document.archived_at >= period.start,
                    Document.archived_at < period.end,
                )
                .group_by(Document.agency)
            ).all()
        )
        workers = defaultdict(set)
        org_pages: Counter[str] = Counter()
        ops = operators(catalog)
        for agency, operator, n in s.execute(
            select(Document.agency, Document.operator, func.coalesce(func.sum(Document.pages), 0))
            .where(
                Document.status.in_((ARCHIVED, NEEDS_REVIEW)),
                Document.archived_at >= period.start,
                Document.archived_at < period.end,
            )
            .group_by(Document.agency, Document.operator)
        ):
            workers[agency].add(operator)
            if scope.includes(agency):
                org_pages[ops.get(operator, (None, "unregistered"))[1]] += int(n)
    years = agency_years(catalog)
    registered = Counter(a for a, _org in ops.values())
    codes = sorted(
        {c for c in set(pages) | set(received) if scope.includes(c)} | {c for c in scope.agencies if scope.includes(c)}
    )
    share = period.months / 12
    rows = []
    for code in codes:
        staff, source = (years.get((code, period.year)) or (None, None))[1], "entered"
        if not staff:
            staff, source = registered.get(code), "operators"
        if not staff:
            staff, source = len(workers.get(code, ())) or None, "active"
        level = scope.level_of(code)
        annual = targets.dossiers_per_staff(level)
        n_dossiers = len(received.get(code, {}))
        n_pages = int(pages.get(code, 0))
        dps = round(n_dossiers / staff, 1) if staff else None
        target = round(annual * share, 1) if annual else None
        rows.append(
            {
                "agency": code,
                "name": scope.name_of(code),
                "level": level,
                "staff": staff,
                "staff_source": source if staff else None,
                "dossiers": n_dossiers,
                "pages": n_pages,
                "dossiers_per_staff": dps,
                "pages_per_staff": round(n_pages / staff, 1) if staff else None,
                "target": target,
                "annual_target": annual,
                "met": None if dps is None or target is None else dps >= target,
            }
        )
    levels = []
    for level in LEVELS:
        if scope.level and level != scope.level:
            continue
        sel = [r for r in rows if r["level"] == level]
        staff = sum(r["staff"] or 0 for r in sel)
        d = sum(r["dossiers"] for r in sel)
        p = sum(r["pages"] for r in sel)
        annual = targets.dossiers_per_staff(level)
        dps = round(d / staff, 1) if staff else None
        target = round(annual * share, 1) if annual else None
        levels.append(
            {
                "level": level,
                "level_vi": LEVEL_VI[level],
                "staff": staff or None,
                "dossiers": d,
                "pages": p,
                "dossiers_per_staff": dps,
                "pages_per_staff": round(p / staff, 1) if staff else None,
                "target": target,
                "annual_target": annual,
                "met": None if dps is None or target is None else dps >= target,
            }
        )
    return {
        "period_share_of_year": round(share, 4),
        "by_agency": rows,
        "by_level": levels,
        "pages_by_org_type": dict(sorted(org_pages.items())),
    }


# --- operations ---------------------------------------------------------------------------------------
def review_backlog(catalog: Catalog, scope: Scope, now: datetime | None = None) -> dict[str, Any]:
    """Documents waiting for a clerk now, with their age in days (from when they were stored)."""
    now = now or datetime.now(UTC)
    with catalog.session() as s:
        rows = [
            (a, _aware(t))
            for a, t in s.execute(
                select(Document.agency, func.coalesce(Document.archived_at, Document.created_at)).where(
                    Document.status == NEEDS_REVIEW
                )
            )
            if scope.includes(a)
        ]
    ages = sorted(max(0.0, (now - t).total_seconds() / 86400) for _a, t in rows)
    buckets = []
    lo = 0.0
    for hi, label in AGE_BUCKETS:
        buckets.append({"label": label, "count": sum(1 for a in ages if a >= lo and (hi is None or a < hi))})
        lo = hi or lo
    by_agency = Counter(a for a, _t in rows)
    return {
        "as_of": now.isoformat(timespec="seconds"),
        "count": len(ages),
        "median_age_days": round(statistics.median(ages), 1) if ages else None,
        "oldest_age_days": round(ages[-1], 1) if ages else None,
        "buckets": buckets,
        "by_agency": [{"agency": a, "name": scope.name_of(a), "count": n} for a, n in sorted(by_agency.items())],
    }


def ocr_confidence(catalog: Catalog, period: Period, scope: Scope) -> dict[str, Any]:
    with catalog.session() as s:
        values = [
            c
            for a, c in s.execute(
                select(Document.agency, Document.ocr_confidence).where(
                    Document.ocr_confidence.is_not(None),
                    Document.archived_at >= period.start,
                    Document.archived_at < period.end,
                )
            )
            if scope.includes(a)
        ]
    bins = []
    for lo, hi in itertools.pairwise(OCR_BINS):
        label = f"{lo:.1f}–{min(hi, 1.0):.1f}"
        bins.append({"label": label, "count": sum(1 for v in values if lo <= v < hi)})
    return {
        "documents": len(values),
        "mean": round(statistics.fmean(values), 3) if values else None,
        "median": round(statistics.median(values), 3) if values else None,
        "bins": bins,
    }


def quarantine_reasons(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    reasons: Counter[str] = Counter()
    for e in _events(catalog, targets.events.get("quarantined", ("quarantined",)), period.start, period.end):
        if scope.includes(e.agency):
            reasons[str((e.detail or {}).get("reason_code") or "unknown")] += 1
    return {
        "count": sum(reasons.values()),
        "reasons": [{"reason_code": r, "count": n} for r, n in reasons.most_common()],
    }


def processing_time(catalog: Catalog, period: Period, scope: Scope) -> dict[str, Any]:
    """Seconds from claim to catalog per document, and per stage where the runner recorded ``stage_timings``."""
    with catalog.session() as s:
        spans = [
            (_aware(done) - _aware(claimed)).total_seconds()
            for a, claimed, done in s.execute(
                select(Document.agency, Document.created_at, Document.archived_at).where(
                    Document.archived_at >= period.start, Document.archived_at < period.end
                )
            )
            if scope.includes(a)
        ]
    per_stage: dict[str, list[float]] = defaultdict(list)
    # One row per document: read only the stage numbers out of the JSON, in the database.
    cols = [Event.detail[("seconds", st)].as_float() for st in STAGES]
    q = select(Event.agency, *cols).where(
        Event.action == "stage_timings", Event.at >= period.start, Event.at < period.end
    )
    with catalog.session() as s:
        for agency, *secs in s.execute(q):
            if scope.includes(agency):
                for st, v in zip(STAGES, secs, strict=True):
                    if v is not None:
                        per_stage[st].append(float(v))
    return {
        "documents": len(spans),
        "median_seconds": round(statistics.median(spans), 2) if spans else None,
        "p90_seconds": round(_quantile(spans, 0.9), 2) if spans else None,
        "stages": [
            {
                "stage": st,
                "documents": len(v),
                "median_seconds": round(statistics.median(v), 3),
                "p90_seconds": round(_quantile(v, 0.9), 3),
            }
            for st, v in per_stage.items()
        ]
        or None,
    }


def _quantile(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))]


def preservation(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Fixity audit and signature/timestamp renewal results from the nightly jobs' events (None = no run)."""
    out: dict[str, Any] = {}
    for name in ("fixity", "renewal"):
        ok = [e for e in _events(catalog, targets.events.get(f"{name}_ok", ()), period.start, period.end)]
        bad = [e for e in _events(catalog, targets.events.get(f"{name}_failed", ()), period.start, period.end)]
        ok = [e for e in ok if e.agency is None or scope.includes(e.agency)]
        bad = [e for e in bad if e.agency is None or scope.includes(e.agency)]
        if not ok and not bad:
            out[name] = None
            continue
        n_ok = sum(int((e.detail or {}).get("count", 1)) for e in ok)
        n_bad = sum(int((e.detail or {}).get("count", 1)) for e in bad)
        last = max((_aware(e.at) for e in ok + bad), default=None)
        out[name] = {"ok": n_ok, "failed": n_bad, "last_run": last.isoformat(timespec="seconds") if last else None}
    return out


# --- everything at once -------------------------------------------------------------------------------
def trend(
    catalog: Catalog,
    period: Period,
    targets: Targets,
    scope: Scope,
    n: int = 4,
    known: dict | None = None,
    received: dict | None = None,
) -> list[dict[str, Any]]:
    """Digitization and reuse per level for each quarter of the trend (``known``: figures already computed;
    ``received``: :func:`received_by_period` of the quarters)."""
    out = []
    quarters = trend_periods(period, n)
    if received is None:
        received = received_by_period(catalog, quarters, targets, scope)
    for p in quarters:
        dig, reu = (known or {}).get(p.label) or (
            digitization(catalog, p, targets, scope),
            reuse(catalog, p, targets, scope, received.get(p.label, {})),
        )
        out.append(
            {
                "period": p.label,
                "period_vi": p.label_vi,
                "digitization": {r["level"]: r["rate"] for r in dig["by_level"]},
                "digitization_target": {r["level"]: r["target"] for r in dig["by_level"]},
                "reuse": {r["level"]: r["rate"] for r in reu["by_level"]},
                "reuse_target": {r["level"]: r["target"] for r in reu["by_level"]},
            }
        )
    return out


def compute_report(
    catalog: Catalog,
    period: Period,
    targets: Targets | None = None,
    *,
    level: str | None = None,
    agency: str | None = None,
    now: datetime | None = None,
    trend_quarters: int = 4,
    use_snapshots: bool = True,
) -> dict[str, Any]:
    """All the KPIs of one period: what the dashboard shows, the reports print and the nightly job keeps.

    The trend's earlier quarters come from the nightly snapshots taken after each quarter ended (the figures as
    they were reported, and no rescan of a year of records); quarters without one are computed."""
    targets = targets or load_targets()
    scope = make_scope(catalog, level, agency)
    now = now or datetime.now(UTC)
    quarters = trend_periods(period, trend_quarters)
    known = (
        snapshot_figures(catalog, [q for q in quarters if q != period], targets, scope, now) if use_snapshots else {}
    )
    live = {p.label: p for p in (period, *quarters) if p.label not in known}
    by_period = received_by_period(catalog, list(live.values()), targets, scope)
    received = by_period[period.label]
    dig = digitization(catalog, period, targets, scope)
    reu = reuse(catalog, period, targets, scope, received)
    known[period.label] = (dig, reu)
    return {
        "period": period.label,
        "period_vi": period.label_vi,
        "from": period.first_day.isoformat(),
        "to": (period.end_day - timedelta(days=1)).isoformat(),
        "generated_at": now.astimezone(VN).isoformat(timespec="seconds"),
        "filters": {"level": level, "agency": agency},
        "targets_version": targets.version,
        "agencies": [
            {"code": a.code, "name": a.name, "level": a.level, "org_type": a.org_type}
            for a in scope.agencies.values()
            if scope.includes(a.code)
        ],
        "digitization": dig,
        "reuse": reu,
        "per_staff": per_staff(catalog, period, targets, scope, received),
        "review_backlog": review_backlog(catalog, scope, now),
        "ocr_confidence": ocr_confidence(catalog, period, scope),
        "quarantine": quarantine_reasons(catalog, period, targets, scope),
        "processing_time": processing_time(catalog, period, scope),
        "preservation": preservation(catalog, period, targets, scope),
        "trend": trend(catalog, period, targets, scope, trend_quarters, known, by_period),
    }


def snapshot_figures(
    catalog: Catalog, quarters: list[Period], targets: Targets, scope: Scope, now: datetime
) -> dict[str, tuple[dict, dict]]:
    """label -> (digitization, reuse) of the quarters whose latest nightly snapshot was taken after they ended,
    narrowed to the scope (snapshots are of the whole province)."""
    out = {}
    for q in quarters:
        if q.end > now:
            continue
        snap = latest_snapshot(catalog, q.label)
        if snap is None or _aware(snap[0]) < q.end or any((snap[1].get("filters") or {}).values()):
            continue
        data = snap[1]
        try:
            dig = [r for r in data["digitization"]["by_agency"] if scope.includes(r["agency"])]
            reu = [r for r in data["reuse"]["by_agency"] if scope.includes(r["agency"])]
            if scope.agency:
                dig_lv = _levels(dig, "digitized", "on_paper", lambda lv, y=q.year: targets.digitization(lv, y), scope)
                reu_lv = _levels(reu, "reused", "received", lambda lv, y=q.year: targets.reuse(lv, y), scope)
            else:
                keep = (lambda r: r["level"] == scope.level) if scope.level else (lambda r: True)
                dig_lv = [r for r in data["digitization"]["by_level"] if keep(r)]
                reu_lv = [r for r in data["reuse"]["by_level"] if keep(r)]
        except (KeyError, TypeError):  # a snapshot of an older shape: compute instead
            continue
        out[q.label] = ({"by_agency": dig, "by_level": dig_lv}, {"by_agency": reu, "by_level": reu_lv})
    return out


def overall(rows: list[dict[str, Any]], num: str, den: str) -> float | None:
    """Rate over every row that has a denominator (used for the headline figures)."""
    counted = [r for r in rows if r.get(den)]
    return _pct(sum(r[num] for r in counted), sum(r[den] for r in counted))
