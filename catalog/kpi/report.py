"""All the KPIs of one period at once — what the dashboard shows, the reports print and the nightly job keeps —
with a trend of earlier quarters taken from the nightly snapshots where they exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from catalog.db import Catalog
from catalog.kpi.figures import digitization, per_staff, registered_by_period, resolved, reuse, rollout, service
from catalog.kpi.operations import ocr_confidence, preservation, processing_time, quarantine_reasons, review_backlog
from catalog.kpi.periods import RULE_VI, Period, trend_periods
from catalog.kpi.scope import Scope, aware, by_levels, make_scope, pct
from catalog.kpi.targets import Targets, load_targets
from catalog.kpi_db import latest_snapshot


def period_scope(scope: Scope, period: Period, targets: Targets) -> Scope:
    """The scope with the levels in force during the period (three before 1 July 2025, two since)."""
    return scope.for_period(targets.levels.during(period.first_day, period.end_day - timedelta(days=1)))


def refresh(catalog: Catalog, targets: Targets) -> dict[str, int]:
    """Bring the incremental tables up to date: reuse checks folded into registered dossiers, issuing authorities
    of new results. Both are idempotent and cheap when nothing is new."""
    from catalog.authority import assign_missing
    from catalog.registered import fold_reuse_checks

    return {
        "reuse_checks_folded": fold_reuse_checks(catalog, targets.events.get("reuse_check", ())),
        "authorities_assigned": assign_missing(catalog),
    }


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
    ``received``: :func:`registered_by_period` of the quarters)."""
    out = []
    quarters = trend_periods(period, n)
    if received is None:
        received = registered_by_period(catalog, quarters, scope)
    for p in quarters:
        ps = period_scope(scope, p, targets)
        dig, reu = (known or {}).get(p.label) or (
            digitization(catalog, p, targets, ps),
            reuse(catalog, p, targets, ps, received.get(p.label, {})),
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
    refresh_first: bool = True,
) -> dict[str, Any]:
    """All the KPIs of one period: what the dashboard shows, the reports print and the nightly job keeps.

    The trend's earlier quarters come from the nightly snapshots taken after each quarter ended (the figures as
    they were reported, and no rescan of a year of records); quarters without one are computed. The period's
    figures use the map of that period: the agencies that existed during it and the levels then in force."""
    targets = targets or load_targets()
    if refresh_first:
        refresh(catalog, targets)
    base = make_scope(catalog, level, agency)
    scope = period_scope(base, period, targets)
    now = now or datetime.now(UTC)
    quarters = trend_periods(period, trend_quarters)
    known = snapshot_figures(catalog, [q for q in quarters if q != period], targets, base, now) if use_snapshots else {}
    live = {p.label: p for p in (period, *quarters) if p.label not in known}
    by_period = registered_by_period(catalog, list(live.values()), base)
    received = by_period[period.label]
    dig = digitization(catalog, period, targets, scope)
    reu = reuse(catalog, period, targets, scope, received)
    known[period.label] = (dig, reu)
    last = period.end_day - timedelta(days=1)
    return {
        "period": period.label,
        "period_vi": period.label_vi,
        "period_rule": period.rule,
        "period_rule_vi": RULE_VI[period.rule],
        "from": period.first_day.isoformat(),
        "to": last.isoformat(),
        "levels": list(scope.levels),
        "generated_at": now.astimezone(ZoneInfo(period.tz)).isoformat(timespec="seconds"),
        "filters": {"level": level, "agency": agency},
        "targets_version": targets.version,
        "agencies": [
            {
                "code": a.code,
                "name": a.name,
                "level": a.level,
                "org_type": a.org_type,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
                "merged_into": a.merged_into,
                "remote": a.remote,
            }
            for a in scope.agencies.values()
            if scope.includes(a.code) and a.exists_during(period.first_day.isoformat(), last.isoformat())
        ],
        "off_map": sorted({r["agency"] for r in dig["by_agency"] + reu["by_agency"] if r["level"] not in scope.levels}),
        "digitization": dig,
        "resolved": resolved(catalog, period, targets, scope),
        "reuse": reu,
        "rollout": rollout(catalog, period, targets, scope),
        "waiting": service(catalog, period, targets, scope, "waiting"),
        "satisfaction": service(catalog, period, targets, scope, "satisfaction"),
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
        qs = period_scope(scope, q, targets)
        if q.end > now:
            continue
        snap = latest_snapshot(catalog, q.label)
        if snap is None or aware(snap[0]) < q.end or any((snap[1].get("filters") or {}).values()):
            continue
        data = snap[1]
        if (data.get("reuse") or {}).get("source") != "registered dossiers":
            continue  # taken before reuse was counted over registered dossiers: not comparable, compute instead
        try:
            dig = [r for r in data["digitization"]["by_agency"] if qs.includes(r["agency"])]
            reu = [r for r in data["reuse"]["by_agency"] if qs.includes(r["agency"])]
            if qs.agency:
                dig_lv = by_levels(dig, "digitized", "on_paper", lambda lv, y=q.year: targets.digitization(lv, y), qs)
                reu_lv = by_levels(reu, "reused", "received", lambda lv, y=q.year: targets.reuse(lv, y), qs)
            else:
                keep = (lambda r, lv=qs.level: r["level"] == lv) if qs.level else (lambda r: True)
                dig_lv = [r for r in data["digitization"]["by_level"] if keep(r)]
                reu_lv = [r for r in data["reuse"]["by_level"] if keep(r)]
        except (KeyError, TypeError):  # a snapshot of an older shape: compute instead
            continue
        out[q.label] = ({"by_agency": dig, "by_level": dig_lv}, {"by_agency": reu, "by_level": reu_lv})
    return out


def overall(rows: list[dict[str, Any]], num: str, den: str) -> float | None:
    """Rate over every row that has a denominator (used for the headline figures)."""
    counted = [r for r in rows if r.get(den)]
    return pct(sum(r[num] for r in counted), sum(r[den] for r in counted))
