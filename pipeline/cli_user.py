"""``sohoa user add|list|disable|reset``: the clerk accounts of the workspace (``catalog.accounts``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json

user_app = typer.Typer(
    help="Tài khoản cán bộ của màn hình làm việc / clerk accounts of the workspace",
    no_args_is_help=True,
    add_completion=False,
)

Operator = Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện / operator ID")]
AsJson = Annotated[bool, typer.Option("--json", help="In JSON / print JSON")]


def _catalog():
    from catalog.db import Catalog

    cfg = cli_config()
    return cfg, Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]


def _read_password(from_stdin: bool) -> str | None:
    """The password from standard input (one line), or None: a temporary one is made and shown."""
    if not from_stdin:
        return None
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
@guarded
def add(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / login name, e.g. lan.nt")],
    role: Annotated[str, typer.Option(help="clerk | reviewer | supervisor | admin")] = "clerk",
    agency: Annotated[
        str | None, typer.Option(help="Mã cơ quan / office code (default: the configured agency)")
    ] = None,
    display_name: Annotated[str | None, typer.Option("--display-name", help="Họ tên / full name")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Đọc mật khẩu từ stdin / read the password from stdin")
    ] = False,
    oidc_subject: Annotated[
        str | None, typer.Option("--oidc-subject", help="Mã người dùng SSO / single sign-on subject (sub)")
    ] = None,
    operator: Operator = None,
    as_json: AsJson = False,
) -> None:
    """Tạo tài khoản / create an account (a temporary password is shown once unless one is given on stdin)."""
    from catalog.accounts import add_account, new_password

    password = _read_password(password_stdin)
    shown = None
    if password is None and not oidc_subject:
        password = shown = new_password()
    cfg, catalog = _catalog()
    try:
        info = add_account(
            catalog,
            name,
            role=role,
            agency=agency or cfg.agency,
            display_name=display_name,
            password=password,
            oidc_subject=oidc_subject,
            created_by=operator_name(cfg, operator),
        )
    finally:
        catalog.close()
    if as_json:
        print_json({**info.as_dict(), "password": shown})
        return
    out.print(f"Đã tạo / created [bold]{info.name}[/] ({info.role}, {info.agency})")
    if shown:
        out.print("Mật khẩu tạm / temporary password:")
        out.print(shown, markup=False, highlight=False)


@user_app.command("list")
@guarded
def list_cmd(as_json: AsJson = False) -> None:
    """Liệt kê tài khoản / list accounts."""
    from catalog.accounts import ROLE_VI, list_accounts

    _cfg, catalog = _catalog()
    try:
        accounts = list_accounts(catalog)
    finally:
        catalog.close()
    if as_json:
        print_json([a.as_dict() for a in accounts])
        return
    table = new_table("Tên / name", "Họ tên", "Vai trò / role", "Cơ quan / office", "Trạng thái / state", "SSO")
    for a in accounts:
        state = "vô hiệu / disabled" if a.disabled else ("khóa / locked" if a.locked_until else "hoạt động / active")
        table.add_row(a.name, a.display_name, f"{a.role} ({ROLE_VI[a.role]})", a.agency, state, "✓" if a.sso else "")
    out.print(table)


@user_app.command("disable")
@guarded
def disable(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / login name")],
    operator: Operator = None,
    as_json: AsJson = False,
) -> None:
    """Vô hiệu hóa tài khoản (kết thúc mọi phiên) / disable an account and end its sessions."""
    from catalog.accounts import disable_account

    cfg, catalog = _catalog()
    try:
        info = disable_account(catalog, name, by=operator_name(cfg, operator))
    finally:
        catalog.close()
    if as_json:
        print_json(info.as_dict())
        return
    out.print(f"Đã vô hiệu hóa / disabled [bold]{info.name}[/]")


@user_app.command("reset")
@guarded
def reset(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / login name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Đọc mật khẩu mới từ stdin / read the new password from stdin")
    ] = False,
    operator: Operator = None,
    as_json: AsJson = False,
) -> None:
    """Đặt lại mật khẩu, mở khóa, bật lại tài khoản / new password, unlock, enable (ends every session)."""
    from catalog.accounts import reset_password

    given = _read_password(password_stdin)
    cfg, catalog = _catalog()
    try:
        info, password = reset_password(catalog, name, by=operator_name(cfg, operator), password=given)
    finally:
        catalog.close()
    shown = None if given else password
    if as_json:
        print_json({**info.as_dict(), "password": shown})
        return
    out.print(f"Đã đặt lại / reset [bold]{info.name}[/]")
    if shown:
        out.print("Mật khẩu tạm / temporary password:")
        out.print(shown, markup=False, highlight=False)


@user_app.command("login")
@guarded
def login(
    name: Annotated[str, typer.Argument(help="Tên đăng nhập / login name")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Đọc mật khẩu từ stdin / read the password from stdin")
    ] = False,
) -> None:
    """Đăng nhập dòng lệnh: tài khoản là người thực hiện mọi lệnh / log in: the account is every command's operator."""
    from catalog.accounts import cli_login
    from pipeline.cli_session import save_token, session_file

    password = _read_password(True) if password_stdin else typer.prompt("Mật khẩu / password", hide_input=True)
    cfg, catalog = _catalog()
    try:
        account, token = cli_login(catalog, name, password or "")
    finally:
        catalog.close()
    save_token(cfg, token)
    out.print(
        f"Đã đăng nhập / logged in: [bold]{account.name}[/] ({account.role}, {account.agency}) → {session_file()}"
    )


@user_app.command("logout")
@guarded
def logout() -> None:
    """Đăng xuất dòng lệnh / log out of the command line."""
    from catalog.accounts import cli_logout
    from pipeline.cli_session import forget_token

    cfg, catalog = _catalog()
    try:
        token = forget_token(cfg)
        if token:
            cli_logout(catalog, token)
    finally:
        catalog.close()
    out.print("Đã đăng xuất / logged out" if token else "Chưa đăng nhập / not logged in")


@user_app.command("whoami")
@guarded
def whoami(as_json: AsJson = False) -> None:
    """Tài khoản đang đăng nhập / the account logged in."""
    from pipeline.cli_session import logged_in

    account = logged_in(cli_config())
    if as_json:
        print_json(account.as_dict() if account else None)
        return
    out.print(f"{account.name} ({account.role}, {account.agency})" if account else "Chưa đăng nhập / not logged in")
