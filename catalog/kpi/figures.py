"""The plan's figures per agency and level, each with its numerator and denominator (``None`` when it cannot be
computed, shown as "—"):

* ``digitization``: still-valid results of each authority digitized since the plan's start, over those it holds
  on paper — credited to the agency that *issued* the result (:mod:`catalog.authority`), carried to its successor
  when it has since merged;
* ``resolved``: dossiers resolved successfully in the period whose result is digitized, signed and stored;
* ``reuse``: registered dossiers received in the period with at least one required paper found reusable, over all
  registered dossiers received (with the share of required papers found beside it);
* ``rollout``: offices running the digitization process, over the offices of the level (remote communes exempt);
* ``waiting`` and ``satisfaction``: imported from the queue-ticket and evaluation systems;
* ``per_staff``: registered dossiers and pages digitized per staff member, with each clerk's detail.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from catalog import service_figures
from catalog.authority import ResultAuthority
from catalog.db import Catalog, Document
from catalog.kpi.periods import Period
from catalog.kpi.scope import Scope, aware, by_levels, pct
from catalog.kpi.targets import Targets
from catalog.kpi_db import LEVEL_VI, agency_years, operators
from catalog.registered import RegisteredDossier
from catalog.status import FINAL_DOCUMENT_STATUSES


def _last_day(period: Period):
    return period.end_day - timedelta(days=1)


def _row(code: str, scope: Scope, **kw: Any) -> dict[str, Any]:
    return {"agency": code, "name": scope.name_of(code), "level": scope.level_of(code), **kw}


def _met(targets: Targets, kpi: str, rate: float | None, target: float | None) -> bool | None:
    return targets.met(kpi, rate, target)


def _codes(scope: Scope, period: Period, *extra) -> list[str]:
    """Agencies shown for a period: those in scope that existed during it, and any with figures. One whose level
    is not in force (a district agency never closed in the data) is shown but rolled up into no level."""
    shown = set(scope.existing(period.first_day, _last_day(period)))
    for codes in extra:
        shown |= {c for c in codes if c and scope.includes(c)}
    return sorted(shown)  # an agency of a level not in force is shown (and named in the report's ``off_map``)


def digitization(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Still-valid results digitized since the plan's start, over those held on paper, per issuing authority."""
    start = Period(targets.start_year, tz=period.tz).start
    valid_on = _last_day(period).isoformat()
    credited = func.coalesce(ResultAuthority.agency, Document.agency)
    # an issuer read but not surely matched waits for a clerk: counted for no agency until confirmed
    pending = func.coalesce(ResultAuthority.needs_review, 0) == 1
    q = (
        select(credited, pending, func.count())
        .select_from(Document)
        .outerjoin(ResultAuthority, ResultAuthority.doc_key == Document.key)
        .where(
            Document.kind == "result",
            Document.status.in_(FINAL_DOCUMENT_STATUSES),
            Document.archived_at >= start,
            Document.archived_at < period.end,
            (Document.valid_until.is_(None)) | (Document.valid_until >= valid_on),
        )
        .group_by(credited, pending)
    )
    last = _last_day(period)
    done: Counter[str] = Counter()
    unattributed = 0  # the issuer was read but not surely matched to an agency: waiting for a clerk
    with catalog.session() as s:
        for agency, unknown, n in s.execute(q):
            if unknown:
                unattributed += n
                continue
            code = scope.successor(agency, last)
            if scope.includes(code):
                done[code] += n
    on_paper: dict[str, tuple[int, int]] = {}  # agency -> (count, year): the latest year up to the period's
    for (a, y), (p, _staff) in agency_years(catalog).items():
        if p is not None and y <= period.year and (a not in on_paper or y > on_paper[a][1]):
            on_paper[a] = (p, y)

    def paper(code: str) -> tuple[int | None, int | None]:
        if code in on_paper:
            return on_paper[code]
        parts = [paper(p) for p in scope.predecessors(code)]  # a successor without its own count: its parts'
        parts = [x for x in parts if x[0] is not None]
        if parts:
            return sum(p for p, _ in parts), max(y for _, y in parts)
        return None, None

    rows = []
    for code in _codes(scope, period, done):
        den, den_year = paper(code)
        level = scope.level_of(code)
        target = targets.digitization(level, period.year)
        rate = pct(done.get(code, 0), den)
        rows.append(
            _row(
                code,
                scope,
                digitized=done.get(code, 0),
                on_paper=den,
                on_paper_year=den_year,
                rate=rate,
                target=target,
                met=_met(targets, "digitization", rate, target),
            )
        )
    return {
        "valid_on": valid_on,
        "credited_to": "issuing authority",
        "unattributed": unattributed,
        "by_agency": rows,
        "by_level": by_levels(rows, "digitized", "on_paper", lambda lv: targets.digitization(lv, period.year), scope),
    }


def resolved(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Dossiers resolved successfully in the period whose result is digitized, signed and stored."""
    has_result = (
        select(Document.key)
        .where(
            Document.dossier_code == RegisteredDossier.code,
            Document.kind == "result",
            Document.status == "archived",
            Document.signed_at.is_not(None),
        )
        .exists()
    )
    q = (
        select(RegisteredDossier.agency, func.count(), func.sum(case((has_result, 1), else_=0)))
        .where(
            RegisteredDossier.outcome == "resolved",
            RegisteredDossier.resolved_at >= period.start,
            RegisteredDossier.resolved_at < period.end,
        )
        .group_by(RegisteredDossier.agency)
    )
    with catalog.session() as s:
        got = {a: (int(n), int(d or 0)) for a, n, d in s.execute(q) if scope.includes(a)}
    rows = []
    for code in _codes(scope, period, got):
        n, d = got.get(code, (0, 0))
        level = scope.level_of(code)
        target = targets.target("resolved", level, period.year)
        rate = pct(d, n)
        rows.append(
            _row(
                code,
                scope,
                digitized=d,
                resolved=n,
                rate=rate,
                target=target,
                met=_met(targets, "resolved", rate, target),
            )
        )
    return {
        "by_agency": rows,
        "by_level": by_levels(
            rows, "digitized", "resolved", lambda lv: targets.target("resolved", lv, period.year), scope
        ),
    }


def registered_by_period(catalog: Catalog, periods: list[Period], scope: Scope) -> dict[str, dict[str, dict]]:
    """period label -> agency -> {received, reused, papers_required, papers_found} of registered dossiers: one
    grouped query per period over the dossier rows the fold keeps (:mod:`catalog.registered`)."""
    out: dict[str, dict[str, dict]] = {}
    r = RegisteredDossier
    with catalog.session() as s:
        for p in periods:
            q = (
                select(
                    r.agency,
                    func.count(),
                    func.coalesce(func.sum(r.reused), 0),
                    func.coalesce(func.sum(r.papers_required), 0),
                    func.coalesce(func.sum(r.papers_found), 0),
                )
                .where(r.received_at >= p.start, r.received_at < p.end)
                .group_by(r.agency)
            )
            out[p.label] = {
                agency: {"received": int(n), "reused": int(u), "papers_required": int(pr), "papers_found": int(pf)}
                for agency, n, u, pr, pf in s.execute(q)
                if scope.includes(agency)
            }
    return out


def reuse(catalog: Catalog, period: Period, targets: Targets, scope: Scope, registered=None) -> dict[str, Any]:
    """Registered dossiers with at least one required paper found reusable, over all registered dossiers."""
    if registered is None:
        registered = registered_by_period(catalog, [period], scope)[period.label]
    rows = []
    for code in _codes(scope, period, registered):
        c = registered.get(code) or {"received": 0, "reused": 0, "papers_required": 0, "papers_found": 0}
        level = scope.level_of(code)
        target = targets.reuse(level, period.year)
        rate = pct(c["reused"], c["received"])
        rows.append(
            _row(
                code,
                scope,
                received=c["received"],
                reused=c["reused"],
                rate=rate,
                papers_required=c["papers_required"],
                papers_found=c["papers_found"],
                papers_share=pct(c["papers_found"], c["papers_required"]),
                target=target,
                met=_met(targets, "reuse", rate, target),
            )
        )
    levels = by_levels(rows, "reused", "received", lambda lv: targets.reuse(lv, period.year), scope)
    for lv in levels:
        sel = [r for r in rows if r["level"] == lv["level"]]
        lv["papers_required"] = sum(r["papers_required"] for r in sel)
        lv["papers_found"] = sum(r["papers_found"] for r in sel)
        lv["papers_share"] = pct(lv["papers_found"], lv["papers_required"])
    return {"source": "registered dossiers", "by_agency": rows, "by_level": levels}


def rollout(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Offices of each level running the digitization process by the period's end, remote communes exempt.

    An office runs it from its ``rollout_from`` date when entered, else from its first digitized document."""
    with catalog.session() as s:
        first_doc = dict(
            s.execute(
                select(Document.agency, func.min(Document.archived_at))
                .where(Document.archived_at.is_not(None))
                .group_by(Document.agency)
            ).all()
        )
    last = _last_day(period)
    exempt_remote = targets.exempt("rollout")
    rows = []
    for code in _codes(scope, period):
        a = scope.agencies.get(code)
        if a is None or a.org_type != "state":
            continue
        exempt = bool(exempt_remote and a.remote and a.level == "commune")
        since = a.rollout_from
        if since is None and first_doc.get(code) is not None:
            since = aware(first_doc[code]).astimezone(_tz(period)).date().isoformat()  # type: ignore[union-attr]
        rows.append(
            _row(
                code,
                scope,
                since=since,
                running=since is not None and since <= last.isoformat(),
                exempt=exempt,
            )
        )
    levels = []
    for level in scope.levels:
        if scope.level and level != scope.level:
            continue
        sel = [r for r in rows if r["level"] == level and not r["exempt"]]
        n = sum(1 for r in sel if r["running"])
        target = targets.target("rollout", level, period.year)
        rate = pct(n, len(sel))
        levels.append(
            {
                "level": level,
                "level_vi": LEVEL_VI[level],
                "running": n,
                "offices": len(sel),
                "exempt": sum(1 for r in rows if r["level"] == level and r["exempt"]),
                "rate": rate,
                "target": target,
                "met": _met(targets, "rollout", rate, target),
            }
        )
    return {"by_agency": rows, "by_level": levels}


def _tz(period: Period):
    from zoneinfo import ZoneInfo

    return ZoneInfo(period.tz)


def service(catalog: Catalog, period: Period, targets: Targets, scope: Scope, kind: str) -> dict[str, Any]:
    """Waiting time (mean minutes per visit) or satisfaction (% satisfied) from the imported office figures."""
    got = service_figures.in_span(catalog, kind, period.first_day, _last_day(period))
    rows = []

    def value(n: int, total: float) -> float | None:
        if not n:
            return None
        return round(total / n, 1) if kind == "waiting" else pct(total, n)

    for code in _codes(scope, period, got):
        n, total = got.get(code, (0, 0.0))
        level = scope.level_of(code)
        target = targets.target(kind, level, period.year)
        v = value(n, total)
        rows.append(
            _row(
                code, scope, count=n, total=round(total, 1), value=v, target=target, met=_met(targets, kind, v, target)
            )
        )
    levels = []
    for level in scope.levels:
        if scope.level and level != scope.level:
            continue
        sel = [r for r in rows if r["level"] == level]
        n, total = sum(r["count"] for r in sel), sum(r["total"] for r in sel)
        target = targets.target(kind, level, period.year)
        v = value(n, total)
        levels.append(
            {
                "level": level,
                "level_vi": LEVEL_VI[level],
                "count": n,
                "total": round(total, 1),
                "value": v,
                "target": target,
                "met": _met(targets, kind, v, target),
            }
        )
    unit = "minutes per visit" if kind == "waiting" else "% satisfied"
    return {"unit": unit, "by_agency": rows, "by_level": levels}


def per_staff(catalog: Catalog, period: Period, targets: Targets, scope: Scope, registered=None) -> dict[str, Any]:
    """Registered dossiers received and pages digitized per staff member in the period, against the prorated
    target (from 2023; remote communes exempt), with each clerk's pages and documents.

    Staff = the count entered for the agency and year (``sohoa targets set --staff``), else the registered
    active operators of the agency, else the operators who digitized there in the period (``staff_source``).
    """
    if registered is None:
        registered = registered_by_period(catalog, [period], scope)[period.label]
    done = and_(
        Document.status.in_(FINAL_DOCUMENT_STATUSES),
        Document.archived_at >= period.start,
        Document.archived_at < period.end,
    )
    with catalog.session() as s:
        per_op = list(
            s.execute(
                select(Document.agency, Document.operator, func.count(), func.coalesce(func.sum(Document.pages), 0))
                .where(done)
                .group_by(Document.agency, Document.operator)
            )
        )
    ops = operators(catalog)
    pages: Counter[str] = Counter()
    workers = defaultdict(set)
    org_pages: Counter[str] = Counter()
    clerks = []
    for agency, operator, n_docs, n_pages in per_op:
        pages[agency] += int(n_pages)
        workers[agency].add(operator)
        if scope.includes(agency):
            org_pages[ops.get(operator, (None, "unregistered"))[1]] += int(n_pages)
            clerks.append(
                {
                    "operator": operator,
                    "agency": agency,
                    "org_type": ops.get(operator, (None, "unregistered"))[1],
                    "documents": int(n_docs),
                    "pages": int(n_pages),
                }
            )
    years = agency_years(catalog)
    registered_ops = Counter(a for a, _org in ops.values())
    share = period.months / 12
    exempt_remote = targets.exempt("per_staff")
    rows = []
    for code in _codes(scope, period, pages, registered):
        staff, source = (years.get((code, period.year)) or (None, None))[1], "entered"
        if not staff:
            staff, source = registered_ops.get(code), "operators"
        if not staff:
            staff, source = len(workers.get(code, ())) or None, "active"
        level = scope.level_of(code)
        a = scope.agencies.get(code)
        exempt = bool(exempt_remote and a is not None and a.remote and level == "commune")
        annual = None if exempt else targets.dossiers_per_staff(level, period.year)
        n_dossiers = (registered.get(code) or {}).get("received", 0)
        n_pages = int(pages.get(code, 0))
        dps = round(n_dossiers / staff, 1) if staff else None
        target = round(annual * share, 1) if annual else None
        rows.append(
            _row(
                code,
                scope,
                staff=staff,
                staff_source=source if staff else None,
                dossiers=n_dossiers,
                pages=n_pages,
                dossiers_per_staff=dps,
                pages_per_staff=round(n_pages / staff, 1) if staff else None,
                target=target,
                annual_target=annual,
                exempt=exempt,
                met=None if dps is None or target is None else dps >= target,
            )
        )
    levels = []
    for level in scope.levels:
        if scope.level and level != scope.level:
            continue
        sel = [r for r in rows if r["level"] == level and not r["exempt"]]
        staff = sum(r["staff"] or 0 for r in sel)
        d = sum(r["dossiers"] for r in sel)
        p = sum(r["pages"] for r in sel)
        annual = targets.dossiers_per_staff(level, period.year)
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
        "by_clerk": sorted(clerks, key=lambda c: (c["agency"], -c["pages"], c["operator"])),
        "pages_by_org_type": dict(sorted(org_pages.items())),
    }
