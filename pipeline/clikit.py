"""What every CLI module shares: the consoles, config loading, JSON output and ``guarded``.

Each command group lives in its own ``pipeline/cli_<topic>.py`` and imports from here (never from
``pipeline.cli``, which imports the groups), so adding a group is one ``app.add_typer`` line in ``cli.py``.
"""

from __future__ import annotations

import functools
import getpass
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from pipeline.errors import ExitCode, describe
from pipeline.logs import setup_logging

if TYPE_CHECKING:
    from pipeline.config import AppConfig

# Modules of the command line import only typer, rich and this module at start; everything heavy (the
# configuration's models, SQLAlchemy, OpenCV, pyHanko, FastAPI) is imported by the command that uses it, so
# `sohoa --help` and `sohoa show` start at once.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True)


def guarded(fn: Callable[..., None]) -> Callable[..., None]:
    """The one place that turns exceptions into a message for a person and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            err.print("[yellow]Đã dừng; chạy lại để tiếp tục / interrupted; run again to resume[/]")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except Exception as e:
            f = describe(e)
            err.print(f"[red]Lỗi / Error[/] ({f.reason_code}): {f.message}")
            raise typer.Exit(f.exit_code if f.exit_code != ExitCode.OK else ExitCode.ITEMS_FAILED) from None

    return wrapper


def cli_config() -> AppConfig:
    from pipeline.config import load_config

    cfg = load_config()
    setup_logging(cfg.log_level)
    return cfg


def operator_name(cfg: AppConfig, operator: str | None) -> str:
    """Who runs the command: the account logged in with ``sohoa user login`` (``--operator`` may only repeat
    it), else ``--operator``, the configured operator or the login name of the system."""
    from pipeline.cli_session import logged_in

    account = logged_in(cfg)
    if account is not None:
        if operator and operator != account.name:
            from catalog.errors import InvalidCode

            raise InvalidCode(
                f"logged in as {account.name}: --operator {operator} is refused (sohoa user logout first)",
                f"đang đăng nhập là {account.name}: không dùng --operator {operator} (sohoa user logout trước)",
            )
        return account.name
    return operator or cfg.operator or getpass.getuser()


def new_table(*args: Any, **kwargs: Any) -> Any:
    """A ``rich.table.Table``; rich's table module is imported by the commands that print one."""
    from rich.table import Table

    return Table(*args, **kwargs)


def print_record(title: str, data: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    """One record as a two-column table: fields with their confidence (and doubt), lists one item a line."""
    table = new_table(show_header=False, title=title)
    table.add_column("", style="bold")
    table.add_column("")
    for k, v in data.items():
        if k not in skip:
            table.add_row(k, _cell(k, v))
    out.print(table)


def _cell(key: str, v: Any) -> str:
    if key == "fields":
        return "\n".join(
            f"{fk}: {fv.get('value')} ({fv.get('confidence', 0):.2f})"
            + (f" — {fv['problem']}" if fv.get("problem") else "")
            for fk, fv in (v or {}).items()
        )
    if key == "candidates":
        return ", ".join(f"{c[0]} {c[1]:.2f}" for c in (v or []))
    if isinstance(v, dict):  # e.g. the objects of a document: their keys
        return "\n".join(v)
    if isinstance(v, list):
        return "\n".join(str(x) for x in v)
    return "" if v is None else str(v)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")
