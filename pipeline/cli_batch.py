"""``sohoa batch run [--queue [--wait]]``, ``sohoa batch status|failed|retry``: thin shells over
``pipeline.batch`` (one driver; in this process, or queued to workers).

Progress and state are read from the catalog, so status, failed and retry work on any machine that sees it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# The vocabulary is a plain enum (no third-party imports): cheap enough for the CLI's start.
from catalog.status import Status
from pipeline.clikit import cli_config, err, guarded, new_table, operator_name, out, print_json
from pipeline.errors import ExitCode

if TYPE_CHECKING:
    from pipeline.config import AppConfig

BatchId = Annotated[str, typer.Argument(help="Mã lô / batch id (B…)")]
AsJson = Annotated[bool, typer.Option("--json", help="In JSON / print JSON")]


def _catalog(cfg: AppConfig):
    from catalog.db import Catalog

    return Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]


class _RichProgress:
    """The in-process batch's progress bars (``pipeline.batch.Progress`` callbacks)."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal,
        )
        self.docs = self.pages = None

    def __enter__(self) -> _RichProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)  # type: ignore[arg-type]

    def batch_planned(self, items: int, pages: int) -> None:
        self.docs = self.bar.add_task("Tài liệu / documents", total=items)
        self.pages = self.bar.add_task("Trang / pages", total=pages)

    def item_started(self, item) -> None:
        from rich.markup import escape

        self.bar.update(self.docs, description=f"Tài liệu / documents [dim]{escape(item.input[-40:])}[/]")

    def page_done(self) -> None:
        self.bar.advance(self.pages)

    def item_done(self, outcome) -> None:
        self.bar.advance(self.docs)


@guarded
def batch_run(
    input_dir: Annotated[Path, typer.Argument(help="Thư mục ảnh quét / folder of scans")],
    manifest: Annotated[Path | None, typer.Option(help="manifest.csv (mặc định: INPUT_DIR/manifest.csv)")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    agency: Annotated[str | None, typer.Option(help="Mã cơ quan tiếp nhận / receiving agency code")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In một đối tượng JSON / print one JSON object")] = False,
    queue: Annotated[bool, typer.Option("--queue", help="Gửi cho các worker / enqueue for workers")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Với --queue: theo dõi đến khi xong / follow until done")
    ] = False,
    split: Annotated[
        bool,
        typer.Option(
            "--split/--no-split",
            help="Tách xấp giấy theo tờ phân cách, giấy tiếp nhận, trang trắng / cut stacks into documents",
        ),
    ] = True,
) -> None:
    """Số hóa một lô: OCR, phân loại, cấp mã, PDF/A, ký số, lưu kho, vào sổ. / Run a digitization batch."""
    from pipeline.batch import run_batch
    from pipeline.config import load_config
    from pipeline.deps import build_deps
    from pipeline.report import batch_json, exit_code, print_summary

    cfg = cli_config()
    if agency:
        cfg = load_config(agency=agency)
    if not split:
        intake = cfg.intake.model_copy(update={"split": cfg.intake.split.model_copy(update={"enabled": False})})
        cfg = cfg.model_copy(update={"intake": intake})
    if queue:
        return run_queued(cfg, input_dir, manifest, operator, wait, as_json)
    deps = build_deps(cfg)
    try:
        with _RichProgress(err) as progress:
            report = run_batch(
                input_dir, manifest, deps, operator=operator_name(cfg, operator), agency=cfg.agency, progress=progress
            )
        data = batch_json(report, deps.catalog, deps.store)
        if as_json:
            print_json(data)
        else:
            print_summary(out, data, deps.store, str(cfg.quarantine_dir))
    finally:
        deps.close()
    raise typer.Exit(exit_code(report))


def run_queued(
    cfg: AppConfig, input_dir: Path, manifest: Path | None, operator: str | None, wait: bool, as_json: bool
) -> None:
    """Enqueue the batch; print its id at once (``--json``: ``{"batch_id": …}``), or follow it with ``--wait``."""
    from catalog.types import default_document_types
    from pipeline.actors import setup
    from pipeline.batch import enqueue_batch

    queue = setup(cfg)
    catalog = _catalog(cfg)
    try:
        enq = enqueue_batch(
            input_dir,
            manifest,
            catalog,
            default_document_types(),
            queue,
            operator=operator_name(cfg, operator),
            agency=cfg.agency,
            split=cfg.intake.split,
            ocr=cfg.ocr,
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
    failed = st.totals.get(Status.FAILED) or st.totals.get(Status.QUARANTINED)
    raise typer.Exit(ExitCode.ITEMS_FAILED if failed else ExitCode.OK)


def _follow(catalog, batch_id: str, items: int):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline.batch import wait_for

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
    table = new_table(title=f"Lô {st.batch_id} — {'xong / done' if st.state == 'done' else st.state}")
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
    from pipeline.batch import require_status

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
    from catalog import batches
    from pipeline.batch import require_status

    cfg = cli_config()
    catalog = _catalog(cfg)
    try:
        require_status(catalog, batch_id)
        items = batches.failed_items(catalog, batch_id, (Status.FAILED, Status.QUARANTINED))
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
            "retryable": it.status == Status.FAILED,
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
    table = new_table(title=f"Lô {batch_id}: lỗi / failures")
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
    from pipeline.batch import retry_batch

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


batch_app = typer.Typer(help="Lô số hóa / digitization batches", no_args_is_help=True, add_completion=False)
batch_app.command("run")(batch_run)
batch_app.command("status")(batch_status)
batch_app.command("failed")(batch_failed)
batch_app.command("retry")(batch_retry)
