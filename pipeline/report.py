"""The batch report: one JSON object (``--json``), or a rich summary table for a person."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from archive.store import ObjectStore
from catalog.codes import mask_id
from catalog.db import Catalog
from catalog.status import FINAL_DOCUMENT_STATUSES, STATUS_VI, Status
from pipeline.batch import BatchReport
from pipeline.errors import ExitCode
from pipeline.model import Outcome
from pipeline.stages import fields_as_json

REPORTED = (Status.ARCHIVED, Status.NEEDS_REVIEW, Status.QUARANTINED, Status.DUPLICATE, Status.FAILED, Status.ELSEWHERE)
"""The statuses an item of a finished in-process batch can have, in the order the totals list them."""


def document_json(o: Outcome, catalog: Catalog, store: ObjectStore) -> dict[str, Any]:
    """One document of the report. For a duplicate (or a second row of one file), the existing document's record is
    shown."""
    out: dict[str, Any] = {
        "input": o.input,
        "status": o.status,
        "reason": o.reason,
        "doc_code": None,
        "dossier_code": None,
        "type_code": None,
        "type_name": None,
        "type_confidence": None,
        "owner_id": None,
        "fields": {},
        "pages": o.pages,
        "ocr_confidence": None,
        "text": None,
        "pdf": None,
        "sha256": o.key,
        "pdf_sha256": None,
        "paper_code": None,
        "review": [],
    }
    if o.job is not None:
        j = o.job
        out.update(
            doc_code=j.doc_code,
            dossier_code=j.dossier_code,
            type_code=j.type_code,
            type_name=j.type_name,
            type_confidence=j.type_confidence,
            owner_id=j.owner_id,
            fields=fields_as_json(j.fields),
            pages=len(j.pages),
            ocr_confidence=j.ocr_confidence,
            text=j.text,
            pdf=store.locate(j.pdf_key) if j.pdf_key else None,
            pdf_sha256=j.pdf_sha256,
            paper_code=j.paper_code,
            review=list(j.review),
            origin="electronic_original" if j.original is not None else "digitized_copy",
            signature=None
            if j.original is None
            else {
                "validation": j.original.outcome,
                "signer_name": j.original.signer_name,
                "signer_org": j.original.signer_org,
                "level": j.original.level,
            },
        )
        # pages whose resolution the file did not give: measured on the text, or guessed from the page's size
        out["page_resolution"] = [
            {"page": p.index, "dpi": round(p.dpi, 1), "dpi_source": p.dpi_source}
            for p in j.pages
            if p.dpi_source != "file"
        ]
    elif o.key and o.status in (Status.DUPLICATE, Status.ARCHIVED, Status.NEEDS_REVIEW):
        # a duplicate, or a file listed twice in one batch (the second row finds it archived by the first)
        d = catalog.get(o.key)
        if d is not None:
            out.update(
                doc_code=d.doc_code,
                dossier_code=d.dossier_code,
                type_code=d.type_code,
                type_name=d.type_name,
                type_confidence=d.type_confidence,
                owner_id=d.owner_id,
                fields=d.fields,
                pages=d.pages or 0,
                ocr_confidence=d.ocr_confidence,
                text=d.text,
                pdf=store.locate(d.pdf_key) if d.pdf_key else None,
                pdf_sha256=d.pdf_sha256,
                paper_code=d.paper_code,
                review=list(d.review_reasons or []),
            )
    return out


def batch_json(report: BatchReport, catalog: Catalog, store: ObjectStore) -> dict[str, Any]:
    totals: dict[str, Any] = {"documents": len(report.outcomes)}
    totals.update({str(s): report.count(s) for s in REPORTED})
    totals["pages"] = sum(o.pages for o in report.outcomes if o.status in FINAL_DOCUMENT_STATUSES)
    totals["unlisted"] = report.unlisted
    from pipeline.split_report import stack_report

    return {
        "batch_id": report.batch_id,
        "documents": [document_json(o, catalog, store) for o in report.outcomes],
        "stacks": stack_report(catalog, report.batch_id),
        "totals": totals,
    }


def exit_code(report: BatchReport) -> int:
    return ExitCode.ITEMS_FAILED if report.failed_items else ExitCode.OK


COLOUR = {
    Status.ARCHIVED: "green",
    Status.NEEDS_REVIEW: "yellow",
    Status.QUARANTINED: "red",
    Status.DUPLICATE: "cyan",
    Status.FAILED: "red",
    Status.ELSEWHERE: "cyan",
}


def _status_label(status: str) -> str:
    try:
        st = Status(status)
    except ValueError:
        return escape(status)
    return f"[{COLOUR.get(st, 'white')}]{STATUS_VI[st]}[/]"


def print_summary(console: Console, data: dict[str, Any], store: ObjectStore, quarantine: str) -> None:
    table = Table(title=f"Lô {data['batch_id']}", show_lines=False)
    for col in (
        "#",
        "Tệp / Input",
        "Trạng thái / Status",
        "Loại / Type",
        "Chủ sở hữu / Owner",
        "Mã tài liệu / Document code",
        "Ghi chú / Note",
    ):
        table.add_column(col, overflow="fold")
    for n, d in enumerate(data["documents"], 1):
        note = d["reason"] or ", ".join(d.get("review") or [])
        if d.get("origin") == "electronic_original":
            note = "bản gốc điện tử / electronic original" + (f"; {note}" if note else "")
        conf = f" ({d['type_confidence']:.2f})" if d["type_confidence"] is not None else ""
        table.add_row(
            str(n),
            escape(d["input"]),  # a file name is text, never markup: "a[/]x.png" must not break the table
            _status_label(d["status"]),
            (d["type_code"] or "-") + conf,
            mask_id(d["owner_id"]),
            escape(d["doc_code"] or "-"),
            escape(note or ""),
        )
    console.print(table)
    t = data["totals"]
    console.print(
        f"Tổng / Totals: {t['documents']} tài liệu, {t['pages']} trang — "
        f"đã lưu trữ {t['archived']}, cần kiểm tra {t['needs_review']}, trùng {t['duplicate']}, "
        f"cách ly {t['quarantined']}, lỗi tạm thời {t['failed']}"
        + (f", đang xử lý ở lượt khác {t['elsewhere']}" if t["elsewhere"] else "")
    )
    if t["unlisted"]:
        console.print(
            f"[yellow]Tệp không có trong tệp kê khai / not in the manifest:[/] {escape(', '.join(t['unlisted']))}"
        )
    for stack in data.get("stacks") or []:
        print_stack(console, stack)
    console.print(f"Kho lưu trữ / Warehouse: {escape(store.url)}")
    if t["quarantined"]:
        console.print(f"Cách ly / Quarantine: {escape(quarantine)}/{data['batch_id']}")


STARTED_VI = {
    "start": "đầu xấp / start",
    "separator": "tờ phân cách / separator",
    "receipt": "giấy tiếp nhận / receipt",
    "blank_run": "trang trắng liên tiếp / blank pages",
    "bad_code": "mã không hợp lệ / bad code",
}
DROPPED_VI = {"separator": "tờ phân cách", "blank": "trang trắng", "blank_run": "trang trắng phân cách"}


def print_stack(console: Console, stack: dict[str, Any]) -> None:
    """How one scanned stack was cut: each document's pages, and the pages dropped."""
    table = Table(title=f"Xấp giấy / stack {escape(stack['input'])} — {stack['pages_total']} trang / pages")
    for col in (
        "#",
        "Trang / Pages",
        "Bắt đầu bởi / Started by",
        "Hồ sơ / Dossier",
        "Loại",
        "Mã tài liệu",
        "Trạng thái",
    ):
        table.add_column(col, overflow="fold")
    for d in stack["documents"]:
        table.add_row(
            str(d["part"]),
            ",".join(map(str, d["pages"])),
            STARTED_VI.get(d["started_by"], d["started_by"] or ""),
            escape(d["dossier_code"] or "-"),
            d["type_code"] or "-",
            escape(d["doc_code"] or "-"),
            _status_label(d["status"]),
        )
    console.print(table)
    if stack["dropped"]:
        dropped = ", ".join(f"{x['page']} ({DROPPED_VI.get(x['why'], x['why'])})" for x in stack["dropped"])
        console.print(f"Trang bỏ ra / pages dropped: {dropped}")
