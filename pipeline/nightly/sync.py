"""``sohoa nightly sync``: send the outbox's due changes to the national warehouse, as the workers do during the
day (``pipeline.sync.sender``); a problem is a change that went dead tonight or one still waiting after a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps

NIGHT_BUDGET_S = 1800.0
"""The night's sender stops after this long; what is left is sent by the workers or the next night."""
STALE = timedelta(days=1)


def sync_outbox(deps: Deps, max_seconds: float = NIGHT_BUDGET_S) -> JobReport:
    from catalog import outbox
    from pipeline.run import new_holder
    from pipeline.sync.rest import open_connector
    from pipeline.sync.sender import drain

    connector = open_connector(deps.config.sync)
    if connector is None:
        st = outbox.status(deps.catalog)
        return JobReport("sync", ok=True, summary={"remote": None, "waiting": st.counts["pending"]})
    try:
        report = drain(deps.catalog, deps.store, connector, deps.config.sync, new_holder()[0], max_seconds=max_seconds)
    finally:
        connector.close()
    st = outbox.status(deps.catalog)
    stale = st.oldest_pending is not None and st.oldest_pending < datetime.now(UTC) - STALE
    summary = {k: v for k, v in report.as_json().items() if k != "errors"} | {
        "pending": st.counts["pending"],
        "dead_total": st.counts["dead"],
    }
    return JobReport("sync", ok=report.dead == 0 and not stale, summary=summary)


@job("sync", order=60)
def sync_job(deps: Deps) -> JobReport:
    return sync_outbox(deps)


@nightly_app.command("sync")
def sync_cmd(
    max_seconds: Annotated[float, typer.Option(help="Dừng sau / stop after this many seconds")] = NIGHT_BUDGET_S,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Gửi thay đổi đến kho quốc gia / send the outbox to the national portal's warehouse."""
    from pipeline.nightly.cli_support import run_one

    run_one("sync", lambda deps: sync_outbox(deps, max_seconds), as_json)
