"""``sohoa nightly backup``: a backup of the catalog under ``backup.dir`` (default ``SOHOA_HOME/backups``), keeping
the newest ``backup.keep`` (default 7); see ``pipeline.backup``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps


def nightly_backup(deps: Deps) -> JobReport:
    from pipeline.backup import backup, nightly_name, prune

    cfg = deps.config
    folder = cfg.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    result = backup(cfg.catalog_config.url, folder / nightly_name())  # type: ignore[arg-type]
    removed = prune(folder, cfg.backup.keep)
    return JobReport(
        "backup",
        summary={"path": result.path, "documents": result.counts["documents"], "removed": len(removed)},
    )


@job("backup", order=95)
def backup_job(deps: Deps) -> JobReport:
    return nightly_backup(deps)


@nightly_app.command("backup")
def backup_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Sao lưu CSDL hằng đêm / nightly catalog backup, keeping the newest backup.keep copies."""
    from pipeline.nightly.cli_support import run_one

    run_one("backup", nightly_backup, as_json)
