"""Nightly ``kpi``: keep a snapshot of the current quarter's KPIs (and of the previous quarter during the first
days of a new one, when late scans still land in it), so what was reported can be shown later as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps

LATE_DAYS = 15  # the previous quarter is snapshotted again during the first days of a new one


def snapshot(catalog, periods, targets_file=None, now: datetime | None = None) -> JobReport:
    from catalog.dashboard.render import headline
    from catalog.kpi import compute_report, load_targets
    from catalog.kpi_db import save_snapshot

    targets = load_targets(targets_file)
    summary: dict = {}
    for p in periods:
        report = compute_report(catalog, p, targets, now=now)
        sid = save_snapshot(catalog, p.label, report)
        h = headline(report)
        summary[p.label] = {
            "snapshot": sid,
            "digitization_rate": h["digitization_rate"],
            "reuse_rate": h["reuse_rate"],
            "dossiers_per_staff": h["dossiers_per_staff"],
        }
    return JobReport("kpi", ok=True, summary=summary)


def periods_for(now: datetime, tz: str, rule: str = "calendar") -> list:
    """The current period (and the previous one in the first days of a new one), by the reporting rule."""
    from catalog.kpi import current_period

    cur = current_period(now, tz, rule)
    prev = current_period(now - timedelta(days=LATE_DAYS), tz, rule)
    return [prev, cur] if prev != cur else [cur]


@job("kpi", order=90)
def kpi_job(deps: Deps) -> JobReport:
    """Also brings the incremental KPI tables up to date (reuse checks folded into registered dossiers, issuing
    authorities of new results): ``compute_report`` refreshes them first."""
    from catalog.kpi import load_targets

    now = datetime.now(UTC)
    rule = load_targets(deps.config.kpi_targets).report_period
    return snapshot(deps.catalog, periods_for(now, deps.config.timezone, rule), deps.config.kpi_targets, now)


@nightly_app.command("kpi")
def kpi_cmd(
    quarter: Annotated[
        str | None, typer.Option("--quarter", help="Kỳ cần chụp, vd. 2026Q4 (mặc định: quý hiện tại)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Chụp số liệu KPI vào sổ / snapshot the KPIs into the catalog."""
    from catalog.db import Catalog
    from catalog.kpi import parse_period
    from pipeline.clikit import cli_config, guarded

    @guarded
    def run() -> None:
        from pipeline.nightly.cli_support import print_job_reports

        cfg = cli_config()
        catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
        try:
            now = datetime.now(UTC)
            from catalog.kpi import load_targets

            rule = load_targets(cfg.kpi_targets).report_period
            periods = [parse_period(quarter, cfg.timezone, rule)] if quarter else periods_for(now, cfg.timezone, rule)
            report = snapshot(catalog, periods, cfg.kpi_targets, now)
        finally:
            catalog.close()
        print_job_reports([report], as_json)

    run()
