"""``sohoa nightly owner-keys``: delete the old, ID-number-named copies that ``sohoa warehouse migrate-keys``
retired, once their retention has ended (until then they stay, and the fixity audit still checks them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps


def retire(deps: Deps) -> JobReport:
    from pipeline.keymigration import retire_old_keys

    r = retire_old_keys(deps.catalog, deps.store)
    return JobReport("owner-keys", summary={"old_deleted": r.old_deleted, "still_retained": r.old_retained})


@job("owner-keys", order=15)
def owner_keys_job(deps: Deps) -> JobReport:
    return retire(deps)


@nightly_app.command("owner-keys")
def owner_keys_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Xóa bản cũ mang số định danh khi hết thời hạn lưu trữ / delete retired ID-named copies once retention ends."""
    from pipeline.nightly.cli_support import run_one

    run_one("owner-keys", retire, as_json)
