"""What a ``sohoa nightly <job>`` command shares: deps, the lock (taken by the group's callback), the report."""

from __future__ import annotations

from collections.abc import Callable

import typer

from pipeline.errors import ExitCode


def run_one(name: str, fn: Callable, as_json: bool) -> None:
    from pipeline.cli import print_job_reports
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
