"""All the KPIs of one period at once — what the dashboard shows, the reports print and the nightly job keeps —
with a trend of earlier quarters taken from the nightly snapshots where they exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from catalog.db import Catalog
from catalog.kpi.figures import digitization, per_staff, received_by_period, reuse
from catalog.kpi.operations import ocr_confidence, preservation, processing_time, quarantine_reasons, review_backlog
from catalog.kpi.periods import Period, trend_periods
from catalog.kpi.scope import Scope, aware, by_levels, make_scope, pct
from catalog.kpi.targets import Targets, load_targets
from catalog.kpi_db import latest_snapshot


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
        "generated_at": now.astimezone(ZoneInfo(period.tz)).isoformat(timespec="seconds"),
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
        if snap is None or aware(snap[0]) < q.end or any((snap[1].get("filters") or {}).values()):
            continue
        data = snap[1]
        try:
            dig = [r for r in data["digitization"]["by_agency"] if scope.includes(r["agency"])]
            reu = [r for r in data["reuse"]["by_agency"] if scope.includes(r["agency"])]
            if scope.agency:
                dig_lv = by_levels(
                    dig, "digitized", "on_paper", lambda lv, y=q.year: targets.digitization(lv, y), scope
                )
                reu_lv = by_levels(reu, "reused", "received", lambda lv, y=q.year: targets.reuse(lv, y), scope)
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
    return pct(sum(r[num] for r in counted), sum(r[den] for r in counted))
