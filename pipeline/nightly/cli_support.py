"""``sohoa nightly``: the group (every job in order under the nightly lock, or one job alone under the same
lock) and what a ``sohoa nightly <job>`` command shares: deps, the report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, out, print_json
from pipeline.errors import ExitCode

# Importing the package registers every job and its command on ``nightly_app``.
from pipeline.nightly import JobReport, nightly_app


def run_one(name: str, fn: Callable, as_json: bool) -> None:
    from pipeline.clikit import cli_config
    from pipeline.deps import build_deps

    deps = build_deps(cli_config())
    try:
        report = fn(deps)
    finally:
        deps.close()
    print_job_reports([report], as_json)
    if not report.ok:
        raise typer.Exit(ExitCode.ITEMS_FAILED)


@nightly_app.callback()
@guarded
def nightly_all(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Run every nightly job in order under the nightly lock; exit 1 when one of them found a problem."""
    from pipeline.nightly.lock import nightly_lock, run_nightly_locked

    cfg = cli_config()
    if ctx.invoked_subcommand is not None:  # one job alone: under the same lock, released when it ends
        from catalog.db import Catalog

        catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
        ctx.call_on_close(catalog.close)
        ctx.with_resource(nightly_lock(catalog, cfg, ctx.invoked_subcommand))
        return
    reports = run_nightly_locked(cfg)
    print_job_reports(reports, as_json)
    if not all(r.ok for r in reports):
        raise typer.Exit(ExitCode.ITEMS_FAILED)


def print_job_reports(reports: list[JobReport], as_json: bool) -> None:
    if as_json:
        print_json([r.__dict__ for r in reports])
        return
    if not reports:
        out.print("Không có việc nào / no nightly jobs registered")
        return
    table = new_table(title="sohoa nightly")
    for col in ("", "job", "seconds", "summary"):
        table.add_column(col)
    for r in reports:
        summary = r.error or ", ".join(f"{k}={v}" for k, v in r.summary.items())
        table.add_row("[green]✓[/]" if r.ok else "[red]✗[/]", r.name, f"{r.seconds:.1f}", summary)
    out.print(table)
