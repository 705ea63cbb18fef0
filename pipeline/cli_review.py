"""``sohoa review``: the queue of documents a clerk must confirm or correct before they are reused."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json, print_record

review_app = typer.Typer(help="Hàng đợi duyệt / review queue", no_args_is_help=True, add_completion=False)


def _open():
    from catalog.db import Catalog
    from catalog.types import default_document_types

    cfg = cli_config()
    return cfg, Catalog(cfg.catalog_config.url), default_document_types()  # type: ignore[arg-type]


def _doc_json(d) -> dict:
    return {
        "key": d.key,
        "doc_code": d.doc_code,
        "paper_code": d.paper_code,
        "status": d.status,
        "type_code": d.type_code,
        "type_name": d.type_name,
        "owner_id": d.owner_id,
        "fields": d.fields,
        "issue_date": d.issue_date,
        "valid_until": d.valid_until,
        "reviewed_by": d.reviewed_by,
        "reviewed_at": d.reviewed_at,
    }


@review_app.command("list")
@guarded
def review_list(
    limit: Annotated[int, typer.Option(help="Số dòng tối đa / at most this many")] = 50,
    type_code: Annotated[str | None, typer.Option("--type", help="Chỉ loại này / only this type")] = None,
    batch: Annotated[str | None, typer.Option(help="Chỉ lô này / only this batch")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Tài liệu chờ duyệt, cũ nhất trước / documents waiting for review, oldest first."""
    from catalog.codes import mask_id
    from catalog.review import queue

    _cfg, catalog, _ = _open()
    try:
        items = queue(catalog, limit=limit, type_code=type_code, batch_id=batch)
    finally:
        catalog.close()
    if as_json:
        print_json([{**asdict(i), "owner_id": mask_id(i.owner_id)} for i in items])
        return
    table = new_table(title=f"Chờ duyệt / waiting for review: {len(items)}")
    for col in ("Mã / code", "Loại / type", "Độ tin cậy", "Chủ sở hữu / owner", "Lý do / reasons", "Tệp / input"):
        table.add_column(col)
    for i in items:
        table.add_row(
            i.doc_code or i.key[:12],
            i.type_code or "?",
            f"{i.type_confidence:.2f}" if i.type_confidence is not None else "-",
            mask_id(i.owner_id),
            "\n".join(str(r) for r in i.reasons),
            i.input,
        )
    out.print(table)


@review_app.command("show")
@guarded
def review_show(
    ref: Annotated[str, typer.Argument(help="Mã tài liệu hoặc SHA-256 / document code or SHA-256")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    text: Annotated[bool, typer.Option("--text", help="In cả văn bản OCR / print the OCR text")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xem một tài liệu chờ duyệt (có ghi nhật ký) / show one document to review (the look is audited)."""
    from catalog.review import show

    cfg, catalog, _ = _open()
    try:
        data = show(catalog, ref, operator_name(cfg, operator), cfg.agency)
    finally:
        catalog.close()
    if as_json:
        print_json(data)
        return
    print_record(f"Duyệt / review {data['doc_code'] or data['key']}", data, skip=() if text else ("text",))


@review_app.command("accept")
@guarded
def review_accept(
    ref: Annotated[str, typer.Argument(help="Mã tài liệu hoặc SHA-256 / document code or SHA-256")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xác nhận đúng và cho phép tái sử dụng / confirm as read and release for reuse."""
    from catalog.review import accept

    cfg, catalog, doc_types = _open()
    try:
        d = accept(catalog, doc_types, ref, operator_name(cfg, operator), templates=cfg.templates, agency=cfg.agency)
    finally:
        catalog.close()
    if as_json:
        print_json(_doc_json(d))
        return
    out.print(f"[green]Đã xác nhận / accepted[/] {d.doc_code}: {d.type_code}, {d.paper_code} → {d.status}")


@review_app.command("correct")
@guarded
def review_correct(
    ref: Annotated[str, typer.Argument(help="Mã tài liệu hoặc SHA-256 / document code or SHA-256")],
    type_code: Annotated[str | None, typer.Option("--type", help="Loại giấy tờ đúng / the right type code")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="key=value, ví dụ full_name='Nguyễn Thị Mỹ' (lặp lại được)")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Mã chủ sở hữu / owner ID")] = None,
    accept_after: Annotated[
        bool, typer.Option("--accept/--no-accept", help="Xác nhận luôn sau khi sửa / accept after correcting")
    ] = True,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sửa loại, trường, chủ sở hữu (ghi lại từng thay đổi) / fix type, fields, owner (every change recorded)."""
    from catalog.errors import InvalidCode
    from catalog.review import accept, correct

    fields: dict[str, str] = {}
    for item in field or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidCode(f"--field needs key=value, got {item!r}", f"--field cần dạng key=value, nhận {item!r}")
        fields[key.strip()] = value
    cfg, catalog, doc_types = _open()
    op = operator_name(cfg, operator)
    try:
        d = correct(catalog, doc_types, ref, op, type_code=type_code, fields=fields, owner_id=owner, agency=cfg.agency)
        if accept_after:
            d = accept(catalog, doc_types, d.key, op, templates=cfg.templates, agency=cfg.agency)
    finally:
        catalog.close()
    if as_json:
        print_json(_doc_json(d))
        return
    out.print(f"[green]Đã sửa / corrected[/] {d.doc_code}: {d.type_code} → {d.status}")
