"""``sohoa watch DIR``: the watched scan folder (``pipeline.watch``), a long-running shell over the batch driver."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, operator_name, out


def slim_report(data: dict) -> dict:
    """What the report beside a processed file keeps of the batch report (no OCR text, no field values)."""
    keep = ("input", "status", "reason", "doc_code", "dossier_code", "type_code", "pages", "sha256", "review")
    return {
        "batch_id": data["batch_id"],
        "documents": [{k: d.get(k) for k in keep} for d in data["documents"]],
        "stacks": data.get("stacks", []),
        "totals": {k: v for k, v in data["totals"].items() if k != "unlisted"},
    }


def inprocess_submit(deps, operator: str):
    from catalog.status import Status
    from pipeline.batch import run_batch
    from pipeline.report import batch_json
    from pipeline.watch import Result

    def submit(folder: Path, declared, batch_id: str | None) -> Result:
        report = run_batch(
            folder, None, deps, operator=operator, agency=declared.agency or deps.config.agency, declared=declared
        )
        transient = report.count(Status.FAILED)
        data = slim_report(batch_json(report, deps.catalog, deps.store))
        return Result(report.batch_id, transient == 0, report.count(Status.QUARANTINED), transient, data)

    return submit


def queued_submit(cfg, catalog, queue, operator: str):
    from catalog.status import Status
    from catalog.types import default_document_types
    from pipeline.batch import enqueue_batch, require_status
    from pipeline.watch import Result

    doc_types = default_document_types()

    def submit(folder: Path, declared, batch_id: str | None) -> Result:
        enq = enqueue_batch(
            folder, None, catalog, doc_types, queue, operator=operator, agency=declared.agency or cfg.agency,
            split=cfg.intake.split, ocr=cfg.ocr, declared=declared,
        )  # fmt: skip
        return Result(enq.batch_id, False)

    def status(batch_id: str) -> Result | None:
        try:
            st = require_status(catalog, batch_id)
        except Exception:
            return None
        if st.state == "running":
            return Result(batch_id, False)
        failed = st.totals.get(Status.FAILED, 0)
        return Result(batch_id, failed == 0, st.totals.get(Status.QUARANTINED, 0), failed, {"totals": st.as_json()})

    return submit, status


@guarded
def watch_cmd(
    folder: Annotated[Path, typer.Argument(help="Thư mục máy quét ghi vào / the scanner's shared folder")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    queue: Annotated[bool | None, typer.Option("--queue/--in-process", help="Gửi cho worker / to the workers")] = None,
    settle: Annotated[float | None, typer.Option(help="Giây tệp phải đứng yên / seconds a file must be still")] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Xử lý những gì đang có rồi thoát / process what is there now, then exit")
    ] = False,
) -> None:
    """Theo dõi thư mục máy quét: tệp đã ghi xong được số hóa thành lô, tách theo tờ phân cách và giấy tiếp nhận. /
    Watch a scan folder: complete files become batches, cut into documents by separator sheets and receipts."""
    import logging

    from pipeline.watch import Watcher

    cfg = cli_config()
    wcfg = cfg.intake.watch
    if settle is not None:
        wcfg = wcfg.model_copy(update={"settle_s": settle})
    use_queue = wcfg.queue if queue is None else queue
    logging.basicConfig(level=cfg.log_level if cfg.log_level != "WARNING" else "INFO", format="%(asctime)s %(message)s")
    folder.mkdir(parents=True, exist_ok=True)
    who = operator_name(cfg, operator)
    closers = []
    if use_queue:
        from catalog.db import Catalog
        from pipeline.actors import setup

        q = setup(cfg)
        catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
        submit, status = queued_submit(cfg, catalog, q, who)
        closers += [catalog.close, q.broker.close]
    else:
        from pipeline.deps import build_deps

        deps = build_deps(cfg)
        submit, status = inprocess_submit(deps, who), None
        closers.append(deps.close)
    watcher = Watcher(folder.resolve(), wcfg, cfg.ocr, submit, status)
    try:
        held = watcher.lock()
    except Exception:
        for close in closers:
            close()
        raise
    err.print(
        f"Đang theo dõi / watching [bold]{folder}[/] ({'hàng đợi / queued' if use_queue else 'tại chỗ / in process'}); "
        "Ctrl+C để dừng / to stop"
    )
    try:
        if once:
            done = watcher.drain(timeout_s=4 * wcfg.settle_s + 3600)
            for path in done:
                out.print(str(path))
        else:
            watcher.run_forever()
    except KeyboardInterrupt:
        err.print("Đã dừng / stopped")
    finally:
        held.close()  # type: ignore[attr-defined]
        for close in closers:
            close()
