"""``sohoa nightly retry``: take up again the documents that failed for a transient reason (store or catalog
unreachable, time limit) — sent to the workers when a broker is configured, else processed here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps


def retry_failures(deps: Deps, include_open: bool = False) -> JobReport:
    from catalog import batches as cb
    from pipeline.batch import retry_batch

    queue = None
    if deps.config.broker_url:
        from pipeline.actors import setup

        queue = setup(deps.config)
    batches = cb.batches_with_failures(deps.catalog)
    retried = 0
    for batch_id in batches:
        retried += len(retry_batch(deps, batch_id, queue, include_open=include_open))
    still = 0 if queue is not None else sum(len(cb.failed_items(deps.catalog, b)) for b in batches)
    return JobReport(
        "retry",
        ok=still == 0,
        summary={"batches": len(batches), "retried": retried, "queued": queue is not None, "still_failed": still},
    )


@job("retry", order=10)
def retry_job(deps: Deps) -> JobReport:
    return retry_failures(deps)


@nightly_app.command("retry")
def retry_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Xử lý lại tài liệu lỗi tạm thời / re-run documents that failed for a transient reason."""
    from pipeline.nightly.cli_support import run_one

    run_one("retry", retry_failures, as_json)
