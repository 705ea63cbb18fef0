"""``sohoa nightly fixity [--sample N]``: re-read warehouse objects, recompute their SHA-256, compare with
the catalog and the mirror, repair a damaged copy from a good one, and print and keep the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from archive.store import ObjectStore
    from catalog.db import Catalog
    from pipeline.deps import Deps

ORDER = 20  # after repair-type jobs, before the KPI snapshot


def run_fixity(deps: Deps, sample: int | None = None, repair: bool = True, actor: str = "nightly") -> JobReport:
    from pipeline.fixity import audit

    report = audit(deps.catalog, deps.store, sample=sample, repair=repair, actor=actor)
    summary = {
        "run": report.run_id,
        "checked": report.checked,
        "ok": report.ok,
        "repaired": report.repaired,
        "damaged": report.damaged,
        "lost": report.lost,
        "unreachable": report.unreachable,
        "copies": "+".join(report.copies),
        "report": report.report_key,
    }
    if report.problems:
        summary["problems"] = report.problems
    return JobReport("fixity", ok=report.healthy, summary=summary)


@job("fixity", order=ORDER)
def fixity_job(deps: Deps) -> JobReport:
    return run_fixity(deps)


@nightly_app.command("fixity")
def fixity_cmd(
    sample: Annotated[
        int | None,
        typer.Option(help="Chỉ kiểm N đối tượng lâu chưa kiểm nhất / only the N least recently checked"),
    ] = None,
    repair: Annotated[bool, typer.Option(help="Sửa bản hỏng từ bản tốt / repair damaged copies")] = True,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Kiểm tra toàn vẹn kho lưu trữ / fixity audit of the warehouse (SHA-256 of every copy)."""
    from pipeline.clikit import cli_config, guarded, new_table, operator_name

    @guarded
    def run() -> None:
        from archive.store import open_store
        from catalog.db import Catalog
        from pipeline.clikit import out, print_json
        from pipeline.errors import ExitCode

        cfg = cli_config()
        deps = StoreDeps(Catalog(cfg.catalog_config.url), open_store(cfg.store_config))  # type: ignore[arg-type]
        try:
            report = run_fixity(deps, sample, repair, operator_name(cfg, operator))  # type: ignore[arg-type]
        finally:
            deps.catalog.close()
        if as_json:
            print_json(report.__dict__)
        else:
            problems = report.summary.pop("problems", [])
            mark = "[green]✓[/]" if report.ok else "[red]✗[/]"
            out.print(f"{mark} fixity " + ", ".join(f"{k}={v}" for k, v in report.summary.items()))
            if problems:
                table = new_table(title="Đối tượng có vấn đề / objects with problems")
                for col in ("key", "outcome", "copies", "detail"):
                    table.add_column(col)
                for p in problems:
                    copies = ", ".join(f"{k}: {v}" for k, v in p["copies"].items())
                    table.add_row(p["key"], p["outcome"], copies, p["detail"])
                out.print(table)
        if not report.ok:
            raise typer.Exit(ExitCode.ITEMS_FAILED)

    run()


@dataclass
class StoreDeps:
    """What the audit needs, without OCR engine or signer (the CLI command does not probe them)."""

    catalog: Catalog
    store: ObjectStore
