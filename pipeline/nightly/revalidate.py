"""``sohoa nightly revalidate``: validate the signatures of electronic originals again (``pipeline.revalidate``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps

NAME = "revalidate"


@job(NAME, order=35)
def revalidate_job(deps: Deps) -> JobReport:
    from pipeline.revalidate import revalidate

    return revalidate(deps)


@nightly_app.command(NAME)
def revalidate_cmd(
    max_age_hours: Annotated[
        float,
        typer.Option(help="Kiểm tra lại bản đã kiểm tra trước đây bao nhiêu giờ / re-check after this many hours"),
    ] = 20.0,
    limit: Annotated[int | None, typer.Option(help="Tối đa số tài liệu / at most this many documents")] = None,
    online: Annotated[
        bool | None, typer.Option("--online/--offline", help="Hỏi OCSP/CRL / fetch revocation data (default: [trust])")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Kiểm tra lại chữ ký bản gốc điện tử / re-validate the signatures of electronic originals."""
    from datetime import timedelta

    from pipeline.clikit import cli_config, guarded, print_json
    from pipeline.deps import build_deps
    from pipeline.errors import ExitCode
    from pipeline.revalidate import revalidate

    @guarded
    def run() -> None:
        deps = build_deps(cli_config())
        try:
            r = revalidate(deps, max_age=timedelta(hours=max_age_hours), limit=limit, fetch=online)
        finally:
            deps.close()
        if as_json:
            print_json(r.__dict__)
        else:
            typer.echo(f"{r.name}: " + (r.error or ", ".join(f"{k}={v}" for k, v in r.summary.items())))
        if not r.ok:
            raise typer.Exit(ExitCode.ITEMS_FAILED)

    run()
