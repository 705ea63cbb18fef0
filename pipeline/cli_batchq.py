"""``sohoa batch run --queue [--wait]``, ``sohoa batch status|failed|retry``: batches processed by workers.

Progress and state are read from the catalog, so these commands work on any machine that sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.clikit import cli_config, err, guarded, operator_name, out, print_json
from pipeline.config import AppConfig
from pipeline.errors import ExitCode

BatchId = Annotated[str, typer.Argument(help="Mã lô / batch id (B…)")]
AsJson = Annotated[bool, typer.Option("--json", help="In JSON / print JSON")]


def _catalog(cfg: AppConfig):
    from catalog.db import Catalog

    return Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]


def run_queued(
    cfg: AppConfig, input_dir: Path, manifest: Path | None, operator: str | None, wait: bool, as_json: bool
) -> None:
    """Enqueue the batch; print its id at once (``--json``: ``{"batch_id": …}``), or follow it with ``--wait``."""
    from catalog.types import default_catalogue
    from pipeline.actors import setup
    from pipeline.batchq import enqueue_batch

    queue = setup(cfg)
    catalog = _catalog(cfg)
    try:
        enq = enqueue_batch(
            input_dir,
            manifest,
            catalog,
            default_catalogue(),
            queue,
            operator=operator_name(cfg, operator),
            agency=cfg.agency,
        )
        if as_json and not wait:
            print_json({"batch_id": enq.batch_id})
            return
        if not as_json:
            err.print(
                f"Lô / batch [bold]{enq.batch_id}[/]: {enq.items} tài liệu / documents, {enq.pages} trang / "
                f"pages — đã đưa vào hàng đợi / queued"
            )
        if not wait:
            out.print(enq.batch_id)
            return
        st = _follow(catalog, enq.batch_id, enq.items)
    finally:
        catalog.close()
        queue.broker.close()
    _print_status(st, as_json)
    raise typer.Exit(ExitCode.ITEMS_FAILED if st.totals.get("failed") or st.totals.get("quarantined") else ExitCode.OK)


def _follow(catalog, batch_id: str, items: int):
    from pipeline.batchq import wait_for

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )
    with bar:
        task = bar.add_task("Tài liệu / documents", total=items)

        def show(st) -> None:
            t = st.totals
            bar.update(
                task,
                completed=st.as_json()["done"],
                description=f"Tài liệu / documents [dim]{t['processing']} đang xử lý, {t['retrying']} thử lại, "
                f"{len(st.workers)} worker[/]",
            )

        return wait_for(catalog, batch_id, show)


def _print_status(st, as_json: bool) -> None:
    data = st.as_json()
    if as_json:
        print_json(data)
        return
    table = Table(title=f"Lô {st.batch_id} — {'xong / done' if st.state == 'done' else st.state}")
    table.add_column("Trạng thái / Status")
    table.add_column("Số / Count", justify="right")
    for k, n in st.totals.items():
        if n:
            table.add_row(k, str(n))
    out.print(table)
    out.print(
        f"{data['done']}/{st.items_total} tài liệu xong / documents done, {st.pages} trang / pages; "
        f"chế độ / mode: {st.mode}"
    )


@guarded
def batch_status(batch_id: BatchId, as_json: AsJson = False) -> None:
    """Tình trạng một lô / state and totals of a batch (running|done)."""
    from pipeline.batchq import require_status

    cfg = cli_config()
    catalog = _catalog(cfg)
    try:
        st = require_status(catalog, batch_id)
    finally:
        catalog.close()
    _print_status(st, as_json)


@guarded
def batch_failed(batch_id: BatchId, as_json: AsJson = False) -> None:
    """Tài liệu lỗi của một lô và thư chết trong hàng đợi / failed items and dead-lettered messages."""
    from catalog import queue as cq
    from pipeline.batchq import require_status

    cfg = cli_config()
    catalog = _catalog(cfg)
    try:
        require_status(catalog, batch_id)
        items = cq.failed_items(catalog, batch_id, ("failed", "quarantined"))
    finally:
        catalog.close()
    dead = []
    if cfg.broker_url:
        from pipeline.actors import setup
        from pipeline.deadletters import dead_letters

        dead = dead_letters(setup(cfg), batch_id)
    dead_items = {d.item_id for d in dead}
    rows = [
        {
            "item_id": it.id,
            "ordinal": it.ordinal,
            "input": it.input,
            "status": it.status,
            "reason_code": it.reason_code,
            "reason": it.reason,
            "attempts": it.attempts or 0,
            "dead_lettered": it.id in dead_items,
            "retryable": it.status == "failed",
        }
        for it in items
    ]
    if as_json:
        print_json(
            {
                "batch_id": batch_id,
                "items": rows,
                "dead_letters": [
                    {"message_id": d.message_id, "item_id": d.item_id, "retries": d.retries, "error": d.error}
                    for d in dead
                ],
            }
        )
        return
    table = Table(title=f"Lô {batch_id}: lỗi / failures")
    for col in ("#", "Tệp / Input", "Trạng thái / Status", "Lý do / Reason", "Lần / Attempts", "DLQ"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["ordinal"]),
            r["input"],
            r["status"],
            r["reason"] or r["reason_code"] or "",
            str(r["attempts"]),
            "✓" if r["dead_lettered"] else "",
        )
    out.print(table)
    out.print(
        f"{len(dead)} thư chết / dead-lettered messages. `sohoa batch retry {batch_id}` gửi lại / sends again "
        f"the failed ones (quarantined items need a corrected input)."
    )


@guarded
def batch_retry(
    batch_id: BatchId,
    include_open: Annotated[
        bool, typer.Option("--pending", help="cả tài liệu chưa xong / also items still open")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Gửi lại các tài liệu lỗi tạm thời / send a batch's failed items (and their dead letters) again."""
    from pipeline.batchq import retry_batch

    cfg = cli_config()
    if cfg.broker_url:
        from pipeline.actors import setup

        queue = setup(cfg)
        catalog = _catalog(cfg)
        try:
            ids = retry_batch(catalog, batch_id, queue, include_open=include_open)
        finally:
            catalog.close()
    else:
        from pipeline.deps import build_deps

        deps = build_deps(cfg)
        try:
            ids = retry_batch(deps, batch_id, None, include_open=include_open)
        finally:
            deps.close()
    if as_json:
        print_json({"batch_id": batch_id, "retried": ids, "queued": bool(cfg.broker_url)})
    else:
        out.print(
            f"{len(ids)} tài liệu được gửi lại / items retried" + (" (hàng đợi / queued)" if cfg.broker_url else "")
        )


def _commands() -> list:
    group = typer.Typer()
    group.command("status")(batch_status)
    group.command("failed")(batch_failed)
    group.command("retry")(batch_retry)
    return group.registered_commands


batchq_commands = _commands()
