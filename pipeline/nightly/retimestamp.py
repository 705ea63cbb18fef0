"""``sohoa nightly retimestamp``: renew the document timestamp of archived copies before it lapses (the work is
``pipeline.renewal``; this module registers the job and the command and imports it only when they run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps

NAME = "retimestamp"


@job(NAME, order=40)
def retimestamp_job(deps: Deps) -> JobReport:
    from pipeline.renewal import retimestamp

    return retimestamp(deps)


@nightly_app.command(NAME)
def retimestamp_cmd(
    window_days: Annotated[
        int | None, typer.Option(help="Cửa sổ gia hạn, ngày / renew when expiry is within this many days")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Tối đa số tài liệu / at most this many documents")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ liệt kê / only count, change nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Gia hạn dấu thời gian tài liệu / add a new document timestamp before the newest one lapses."""
    from pipeline.clikit import cli_config, guarded, print_json
    from pipeline.deps import build_deps
    from pipeline.errors import ExitCode
    from pipeline.renewal import retimestamp

    @guarded
    def run() -> None:
        deps = build_deps(cli_config())
        try:
            r = retimestamp(deps, window_days=window_days, limit=limit, dry_run=dry_run)
        finally:
            deps.close()
        if as_json:
            print_json(r.__dict__)
        else:
            typer.echo(f"{r.name}: " + (r.error or ", ".join(f"{k}={v}" for k, v in r.summary.items())))
        if not r.ok:
            raise typer.Exit(ExitCode.ITEMS_FAILED)

    run()
