"""The ``sohoa`` command line: thin shells over the stages; errors become exit codes in ``clikit.guarded``.

Every command and command group lives in its own ``pipeline/cli_<topic>.py`` and is loaded only when named
(``sohoa --help`` loads them all to list them): a command pays at start for itself alone.
"""

from __future__ import annotations

import importlib
import os
import signal

import typer
from typer.core import TyperGroup

from pipeline.logs import quiet_third_party_warnings

COMMANDS = {
    "batch": ("pipeline.cli_batch", "batch_app"),
    "ocr": ("pipeline.cli_docs", "ocr_cmd"),
    "types": ("pipeline.cli_docs", "types_cmd"),
    "show": ("pipeline.cli_docs", "show_cmd"),
    "doctor": ("pipeline.cli_docs", "doctor_cmd"),
    "review": ("pipeline.cli_review", "review_app"),
    "verify": ("pipeline.cli_verify", "verify_cmd"),
    "export": ("pipeline.cli_archive", "export_cmd"),
    "warehouse": ("pipeline.cli_warehouse", "warehouse_app"),
    "backup": ("pipeline.cli_backup", "backup_cmd"),
    "restore": ("pipeline.cli_backup", "restore_cmd"),
    "rebuild-catalog": ("pipeline.cli_backup", "rebuild_cmd"),
    "serve": ("pipeline.cli_api", "serve"),
    "lookup": ("pipeline.cli_api", "lookup"),
    "audit": ("pipeline.cli_api", "audit_cmd"),
    "apikey": ("pipeline.cli_apikey", "apikey_app"),
    "user": ("pipeline.cli_user", "user_app"),
    "worker": ("pipeline.cli_worker", "worker_cmd"),
    "nightly": ("pipeline.nightly.cli_support", "nightly_app"),
    "report": ("pipeline.cli_report", "report_cmd"),
    "kpi": ("pipeline.cli_report", "kpi_cmd"),
    "targets": ("pipeline.cli_targets", "targets_app"),
    "pki": ("pipeline.cli_pki", "pki_app"),
    "sync": ("pipeline.cli_sync", "sync_app"),
    "sheets": ("pipeline.cli_sheets", "sheets_cmd"),
    "watch": ("pipeline.cli_watch", "watch_cmd"),
    "stack": ("pipeline.cli_stack", "stack_app"),
}
"""Command name -> (module, attribute): a ``typer.Typer`` group or a command function."""


class LazyCommands(TyperGroup):
    """The top-level group: the commands of ``COMMANDS``, each built the first time it is named."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str):
        cmd = self.commands.get(cmd_name)
        if cmd is None and cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name]
            target = getattr(importlib.import_module(module), attr)
            if not isinstance(target, typer.Typer):  # a command function: a one-command app gives its command
                single = typer.Typer(add_completion=False)
                single.command(cmd_name)(target)
                target = single
            cmd = typer.main.get_command(target)
            cmd.name = cmd_name
            self.commands[cmd_name] = cmd
        return cmd


app = typer.Typer(
    cls=LazyCommands,
    help="sohoa — số hóa hồ sơ, giấy tờ và kho dữ liệu điện tử / digitization and e-archive",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """sohoa — số hóa hồ sơ, giấy tờ và kho dữ liệu điện tử / digitization and e-archive"""


def _sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def console_main() -> None:
    signal.signal(signal.SIGTERM, _sigterm)
    quiet_third_party_warnings()
    # pydantic looks for plugins among every installed distribution's entry points at its first model; sohoa
    # uses none, and the search is a noticeable part of a command's start (an operator may still set it).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()


if __name__ == "__main__":
    console_main()
