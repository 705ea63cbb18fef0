"""The plan's figures per agency and level: digitization of still-valid results, reuse of papers already held,
and dossiers and pages per staff member."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select

from catalog.db import Catalog, Document, Dossier, Event
from catalog.kpi.periods import Period
from catalog.kpi.scope import Scope, aware, by_levels, dossier_day, pct, reuse_found
from catalog.kpi.targets import Targets
from catalog.kpi_db import LEVEL_VI, LEVELS, agency_years, operators
from catalog.status import FINAL_DOCUMENT_STATUSES


def digitization(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Still-valid results digitized since the plan's start, over those held on paper, per agency and level."""
    start = Period(targets.start_year, tz=period.tz).start
    valid_on = period.end_day.isoformat()
    q = (
        select(Document.agency, func.count())
        .where(
            Document.kind == "result",
            Document.status.in_(FINAL_DOCUMENT_STATUSES),
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
        rate = pct(done.get(code, 0), den)
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
        "by_level": by_levels(rows, "digitized", "on_paper", lambda lv: targets.digitization(lv, period.year), scope),
    }


def received_dossiers(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, dict[str, bool]]:
    """agency -> {dossier code: reused?} for the dossiers received in the period."""
    return received_by_period(catalog, [period], targets, scope)[period.label]


def received_by_period(
    catalog: Catalog, periods: list[Period], targets: Targets, scope: Scope
) -> dict[str, dict[str, dict[str, bool]]]:
    """period label -> agency -> {dossier code: reused?}, for several periods in one pass over the records."""
    tz = ZoneInfo(periods[0].tz)
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
        day = dossier_day(code) or aware(created).astimezone(tz).date()
        if first <= day < last:
            found[code], agency_of[code], day_of[code] = False, agency, day
    # Reuse checks are made at reception, before or while the dossier is scanned (or instead of scanning).
    window = (span_start - timedelta(days=2), span_end + timedelta(days=31))
    for purpose, reused in _reuse_checks(catalog, targets.events.get("reuse_check", ()), *window):
        day = dossier_day(purpose)
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
        rate = pct(n, len(got))
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
        "by_level": by_levels(rows, "reused", "received", lambda lv: targets.reuse(lv, period.year), scope),
    }


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
                    Document.status.in_(FINAL_DOCUMENT_STATUSES),
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
                Document.status.in_(FINAL_DOCUMENT_STATUSES),
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
