"""``sohoa stack show|fix``: how a scanned stack was cut into documents, and a reviewer's correction of it
(``pipeline.split_report``, ``pipeline.resplit``)."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, operator_name, out, print_json

stack_app = typer.Typer(
    help="Xấp giấy đã tách / scanned stacks cut into documents", no_args_is_help=True, add_completion=False
)
BatchId = Annotated[str, typer.Argument(help="Mã lô / batch id (B…)")]


@stack_app.command("show")
@guarded
def stack_show(batch_id: BatchId, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Trang nào của xấp nào thành tài liệu nào / which pages of which stack became which document."""
    from catalog.db import Catalog
    from pipeline.report import print_stack
    from pipeline.split_report import stack_report

    cfg = cli_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        stacks = stack_report(catalog, batch_id)
    finally:
        catalog.close()
    if as_json:
        print_json(stacks)
        return
    if not stacks:
        out.print(f"Lô {batch_id} không có xấp giấy nào được tách / no stack of this batch was cut")
    for s in stacks:
        print_stack(out, s)


def _numbered(values: list[str] | None, what: str) -> dict[int, str]:
    from pipeline.errors import InputError

    out_: dict[int, str] = {}
    for v in values or []:
        n, sep, code = v.partition("=")
        if not sep or not n.strip().isdigit() or not code.strip():
            raise InputError(f"--{what} takes N=VALUE, not {v!r}", f"--{what} cần dạng N=GIÁ_TRỊ, không phải {v!r}")
        out_[int(n)] = code.strip()
    return out_


@stack_app.command("fix")
@guarded
def stack_fix(
    batch_id: BatchId,
    stack: Annotated[str, typer.Argument(help="Tên xấp như trong báo cáo lô / the stack's input name")],
    parts: Annotated[
        str, typer.Option(help="Các tài liệu, mỗi tài liệu các trang của nó: '1;3-4,6;8' / documents and their pages")
    ],
    dossier: Annotated[list[str] | None, typer.Option(help="N=MÃ_HỒ_SƠ cho tài liệu thứ N")] = None,
    type_code: Annotated[list[str] | None, typer.Option("--type", help="N=LOẠI cho tài liệu thứ N")] = None,
    drop: Annotated[str | None, typer.Option(help="Trang chủ động bỏ / pages dropped on purpose")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="Gửi cho các worker / enqueue for workers")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Sửa cách tách một xấp giấy (chuyển trang, gộp, tách tài liệu) và số hóa lại phần thay đổi. / Correct how a
    stack was cut (move pages, merge, split documents); the changed documents are digitized again."""
    from catalog.db import Catalog
    from catalog.types import default_document_types
    from pipeline.resplit import Correction, parse_pages, parse_parts, plan_resplit, withdraw_replaced

    cfg = cli_config()
    who = operator_name(cfg, operator)
    fix = Correction(
        parse_parts(parts), _numbered(dossier, "dossier"), _numbered(type_code, "type"),
        set(parse_pages(drop)) if drop else set(),
    )  # fmt: skip
    doc_types = default_document_types()
    if queue:
        from archive.store import open_store
        from pipeline.actors import setup
        from pipeline.batch import enqueue_batch

        q = setup(cfg)
        catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
        store = open_store(cfg.store_config)
        try:
            rs = plan_resplit(catalog, store, batch_id, stack, fix, cfg.work_dir, doc_types)
            if not rs.items:
                err.print("Không có thay đổi / nothing changed")
                return
            enq = enqueue_batch(
                rs.file.parent, None, catalog, doc_types, q, operator=who, agency=cfg.agency, planned=rs.items
            )
            withdrawn = withdraw_replaced(catalog, rs, who, enq.batch_id)
        finally:
            catalog.close()
            q.broker.close()
        result = {"batch_id": enq.batch_id, "queued": len(rs.items), "withdrawn": withdrawn}
        print_json(result) if as_json else out.print(result)
        return
    from pipeline.batch import run_batch
    from pipeline.deps import build_deps
    from pipeline.report import batch_json, print_summary

    deps = build_deps(cfg)
    try:
        rs = plan_resplit(deps.catalog, deps.store, batch_id, stack, fix, cfg.work_dir, doc_types)
        if not rs.items:
            err.print("Không có thay đổi / nothing changed")
            return
        report = run_batch(rs.file.parent, None, deps, operator=who, agency=cfg.agency, planned=rs.items)
        withdrawn = withdraw_replaced(deps.catalog, rs, who, report.batch_id)
        data = batch_json(report, deps.catalog, deps.store)
        data["withdrawn"] = withdrawn
        if as_json:
            print_json(data)
        else:
            print_summary(out, data, deps.store, str(cfg.quarantine_dir))
            if withdrawn:
                out.print(f"Đã rút khỏi sử dụng, chờ kiểm tra / withdrawn from reuse: {', '.join(withdrawn)}")
    finally:
        deps.close()
