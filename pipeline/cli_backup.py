"""``sohoa backup OUT``, ``sohoa restore BACKUP`` and ``sohoa rebuild-catalog``: thin shells over
``pipeline.backup`` and ``pipeline.rebuild``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, operator_name, out, print_json


@guarded
def backup_cmd(
    out_dir: Annotated[Path, typer.Argument(help="Thư mục sao lưu sẽ tạo / backup folder to create")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sao lưu CSDL danh mục / back the catalog database up (SQLite online backup, PostgreSQL pg_dump)."""
    from pipeline.backup import backup

    cfg = cli_config()
    result = backup(cfg.catalog_config.url, out_dir)  # type: ignore[arg-type]
    if as_json:
        print_json(result.__dict__)
    else:
        files = ", ".join(f"{n} ({f['size']} B, SHA-256 {f['sha256'][:12]}…)" for n, f in result.files.items())
        out.print(f"[green]✓[/] {result.path}: {result.counts['documents']} tài liệu / documents — {files}")


@guarded
def restore_cmd(
    backup_dir: Annotated[Path, typer.Argument(help="Thư mục sao lưu / the backup folder")],
    force: Annotated[bool, typer.Option("--force", help="Thay CSDL đang có / replace a catalog that has data")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Khôi phục CSDL từ bản sao lưu / restore the catalog from a backup (its checksums are checked first)."""
    from pipeline.backup import restore

    cfg = cli_config()
    manifest = restore(cfg.catalog_config.url, backup_dir, force=force)  # type: ignore[arg-type]
    if as_json:
        print_json(manifest)
    else:
        out.print(
            f"[green]✓[/] khôi phục / restored {backup_dir} ({manifest['created_at']}, "
            f"{manifest['counts']['documents']} tài liệu / documents)"
        )


@guarded
def rebuild_cmd(
    force: Annotated[
        bool, typer.Option("--force", help="Thêm vào CSDL đã có dữ liệu / add to a catalog that has documents")
    ] = False,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Dựng lại CSDL từ kho lưu trữ / recreate documents, codes and owners from the warehouse's sidecars.

    Audit events, batches, review history, API keys, agencies and KPI targets lived only in the database and
    cannot be recreated: restore a backup for those."""
    from archive.store import open_store
    from catalog.db import Catalog
    from pipeline.errors import ExitCode
    from pipeline.rebuild import rebuild_catalog

    cfg = cli_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        report = rebuild_catalog(
            catalog, open_store(cfg.store_config), cfg.templates, actor=operator_name(cfg, operator), force=force
        )
    finally:
        catalog.close()
    if as_json:
        print_json(report.as_dict())
    else:
        out.print(
            f"[green]✓[/] {report.documents} tài liệu / documents, {report.dossiers} hồ sơ / dossiers, "
            f"{report.owners} chủ sở hữu / owners, {report.objects} đối tượng / objects"
        )
        err.print(
            "[yellow]Không dựng lại được / not recoverable from the warehouse:[/] " + "; ".join(report.not_recovered)
        )
        for s in report.skipped:
            err.print(f"[red]✗[/] {s['doc_code']}: {s['reason']}")
    if report.skipped:
        raise typer.Exit(ExitCode.ITEMS_FAILED)
