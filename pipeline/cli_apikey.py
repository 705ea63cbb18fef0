"""``sohoa apikey create|list|revoke``: API keys of the systems that call the lookup API."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json

apikey_app = typer.Typer(
    help="Khóa API của hệ thống tra cứu / API keys of client systems", no_args_is_help=True, add_completion=False
)


def _catalog():
    from catalog.db import Catalog

    cfg = cli_config()
    return cfg, Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]


@apikey_app.command("create")
@guarded
def create(
    agency: Annotated[str, typer.Option(help="Mã cơ quan của hệ thống gọi / agency code, e.g. 000.00.16.H42")],
    scopes: Annotated[str, typer.Option(help="lookup,download,search,dashboard")] = "lookup",
    client: Annotated[str, typer.Option(help="Tên hệ thống gọi / calling system, e.g. motcua-ninhbinh")] = "client",
    rate: Annotated[int | None, typer.Option(help="Yêu cầu/phút / requests per minute")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In một đối tượng JSON / print one JSON object")] = False,
) -> None:
    """Tạo khóa (chỉ hiện một lần) / create a key; the key is shown once and only its hash is stored."""
    from catalog.apikeys import create_key

    cfg, catalog = _catalog()
    try:
        info, plaintext = create_key(
            catalog,
            agency=agency,
            scopes=scopes,
            client=client,
            created_by=operator_name(cfg, operator),
            rate_per_minute=rate,
        )
    finally:
        catalog.close()
    if as_json:
        print_json({"key": plaintext, **info.as_dict()})
        return
    out.print(f"Khóa / key [bold]{info.id}[/] ({info.client}, {info.agency}, {','.join(sorted(info.scopes))}):")
    out.print(plaintext, markup=False, highlight=False)
    out.print("[yellow]Lưu lại ngay: khóa không hiện lại được / store it now: it cannot be shown again[/]")


@apikey_app.command("list")
@guarded
def list_cmd(
    agency: Annotated[str | None, typer.Option(help="Chỉ khóa của cơ quan này / only this agency")] = None,
    revoked: Annotated[bool, typer.Option("--revoked", help="Cả khóa đã thu hồi / include revoked keys")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Liệt kê khóa (không hiện bí mật) / list keys (never the secret)."""
    from catalog.apikeys import list_keys

    _cfg, catalog = _catalog()
    try:
        keys = list_keys(catalog, agency=agency, include_revoked=revoked)
    finally:
        catalog.close()
    if as_json:
        print_json([k.as_dict() for k in keys])
        return
    table = new_table("id", "client", "agency", "scopes", "rate/min", "created", "revoked")
    for k in keys:
        table.add_row(
            k.id,
            k.client,
            k.agency,
            ",".join(sorted(k.scopes)),
            str(k.rate_per_minute or "default"),
            f"{k.created_at:%Y-%m-%d %H:%M}" if k.created_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )
    out.print(table)


@apikey_app.command("revoke")
@guarded
def revoke(
    key_id: Annotated[str, typer.Argument(help="Mã khóa (vd. k3f9a0c2d1) / key id")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Thu hồi khóa / revoke a key (servers stop accepting it within the key-cache time, 10 s by default)."""
    from catalog.apikeys import revoke_key

    cfg, catalog = _catalog()
    try:
        info = revoke_key(catalog, key_id, revoked_by=operator_name(cfg, operator))
    finally:
        catalog.close()
    if as_json:
        print_json(info.as_dict())
        return
    out.print(f"Đã thu hồi / revoked [bold]{info.id}[/] ({info.client}, {info.agency})")
