"""``sohoa nightly expiry``: mark documents whose validity has ended (``valid_until`` before today).

The document stays archived and findable; ``expired_at`` is set and an ``expired`` event recorded, so reuse
checks (the lookup API) can tell the paper is no longer valid. Idempotent: each document is marked once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.nightly.registry import JobReport, job, nightly_app

if TYPE_CHECKING:
    from pipeline.deps import Deps


def mark_expired(deps: Deps, today: str | None = None, dry_run: bool = False) -> JobReport:
    from catalog import expiry
    from pipeline.stages import today_in

    day = today or today_in(deps.config.timezone).isoformat()
    docs = expiry.documents_to_expire(deps.catalog, day)
    now = datetime.now(UTC)
    marked = 0
    for d in docs:
        if dry_run:
            continue
        if expiry.mark_expired(deps.catalog, d.key, now):
            marked += 1
            deps.catalog.record_event(
                "expired",
                "nightly",
                agency=d.agency,
                doc_key=d.key,
                doc_code=d.doc_code,
                owner_id=d.owner_id,
                detail={"valid_until": d.valid_until, "type_code": d.type_code},
            )
    return JobReport("expiry", summary={"today": day, "due": len(docs), "marked": marked, "dry_run": dry_run})


@job("expiry", order=30)
def expiry_job(deps: Deps) -> JobReport:
    return mark_expired(deps)


@nightly_app.command("expiry")
def expiry_cmd(
    today: Annotated[str | None, typer.Option(help="Ngày tính (YYYY-MM-DD) / as of this day")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ đếm / count only")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Đánh dấu giấy tờ hết hiệu lực / mark documents whose validity ended."""
    from pipeline.nightly.cli_support import run_one

    run_one("expiry", lambda deps: mark_expired(deps, today, dry_run), as_json)
