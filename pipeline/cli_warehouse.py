"""``sohoa warehouse migrate-keys``: move a warehouse written before opaque owner keys (see
``pipeline.keymigration``)."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, operator_name, out, print_json

warehouse_app = typer.Typer(help="Kho lưu trữ / the warehouse", no_args_is_help=True, add_completion=False)


@warehouse_app.command("migrate-keys")
@guarded
def migrate_keys_cmd(
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Chuyển thư mục chủ sở hữu sang khóa ẩn danh / move owners/<ID number>/ to opaque owner keys.

    Copy, verify, switch the catalog, then delete each old object whose retention allows it (the others are
    deleted by a later run or the nightly 'owner-keys' job once their retention ends). Safe to run again."""
    from archive.store import open_store
    from catalog.db import Catalog
    from pipeline.errors import ExitCode
    from pipeline.keymigration import migrate_keys
    from pipeline.ownerkeys import OwnerKeys, owner_key_secret

    cfg = cli_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        keys = OwnerKeys(catalog, owner_key_secret(cfg.home_dir))
        report = migrate_keys(catalog, open_store(cfg.store_config), keys, actor=operator_name(cfg, operator))
    finally:
        catalog.close()
    if as_json:
        print_json(report.as_dict())
    else:
        out.print(
            f"Đã chuyển / moved: {report.documents} tài liệu / documents, {report.objects_copied} đối tượng / objects; "
            f"xóa khóa cũ / old keys deleted: {report.old_deleted}; "
            f"còn trong thời hạn lưu trữ / still retained: {report.old_retained}"
        )
        for f in report.failed:
            out.print(f"[red]✗[/] {f['doc_code']}: {f['reason']}")
    if not report.ok:
        raise typer.Exit(ExitCode.ITEMS_FAILED)
