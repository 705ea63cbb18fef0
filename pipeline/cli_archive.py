"""``sohoa export``: BagIt export of an owner's or a dossier's documents, and verification of a bag."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, operator_name, out, print_json


@guarded
def export_cmd(
    out_dir: Annotated[Path | None, typer.Argument(help="Thư mục gói BagIt sẽ tạo / bag folder to create")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Số định danh / mã doanh nghiệp của chủ sở hữu")] = None,
    dossier: Annotated[str | None, typer.Option("--dossier", help="Mã hồ sơ / dossier code")] = None,
    verify: Annotated[Path | None, typer.Option("--verify", help="Kiểm tra một gói / check a bag")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xuất gói BagIt để nộp lưu trữ / export a BagIt bag (RFC 8493) for transfer to the archive."""
    from pipeline.errors import ExitCode

    if verify is not None:
        from pipeline.export import verify_bag

        result = verify_bag(verify)
        if as_json:
            print_json(result.__dict__)
        elif result.valid:
            out.print(f"[green]✓[/] {result.bag}: hợp lệ / valid ({result.files} tệp / files)")
        else:
            err.print(f"[red]✗[/] {result.bag}: không hợp lệ / invalid")
            for e in result.errors:
                err.print(f"  {e}")
        raise typer.Exit(ExitCode.OK if result.valid else ExitCode.ITEMS_FAILED)
    if out_dir is None or bool(owner) == bool(dossier):
        err.print("Dùng / use: sohoa export --owner ID OUT | --dossier CODE OUT | --verify BAG")
        raise typer.Exit(ExitCode.USAGE)
    from archive.store import open_store
    from catalog.db import Catalog
    from pipeline.export import export_bag

    cfg = cli_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        result = export_bag(
            catalog,
            open_store(cfg.store_config),
            out_dir,
            owner_id=owner,
            dossier=dossier,
            actor=operator_name(cfg, operator),
            organisation=cfg.agency_name,
            agency=cfg.agency,
        )
    finally:
        catalog.close()
    if as_json:
        print_json(result.__dict__)
    else:
        out.print(f"[green]✓[/] {result.bag}: {result.documents} tài liệu / documents, {result.files} tệp / files")
