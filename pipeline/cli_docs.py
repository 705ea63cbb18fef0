"""``sohoa ocr``, ``sohoa types``, ``sohoa show`` and ``sohoa doctor``: one scan, the document types, one
document, the installation."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, new_table, operator_name, out, print_json, print_record
from pipeline.errors import ExitCode, describe


@guarded
def ocr_cmd(
    file: Annotated[Path, typer.Argument(help="Ảnh quét hoặc PDF / a scan or PDF")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    debug_dir: Annotated[
        Path | None,
        typer.Option("--debug-dir", help="Ghi ảnh sau từng bước tiền xử lý / write the image after every step"),
    ] = None,
) -> None:
    """Đọc chữ một tệp ảnh quét / OCR one scan and print its text."""
    from ocr.document import read_document

    cfg = cli_config()
    result = read_document(file, cfg.ocr, debug_dir=debug_dir)
    if as_json:
        print_json(result.as_json())
    else:
        sys.stdout.write(result.text + "\n")
        for warning in result.warnings():
            err.print(f"[yellow]{warning}[/]")


@guarded
def types_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Danh mục loại giấy tờ / the document-type catalogue."""
    from catalog.types import default_document_types

    doc_types = default_document_types()
    if as_json:
        print_json(
            [
                {
                    "code": t.code,
                    "name_vi": t.name_vi,
                    "name_en": t.name_en,
                    "kind": t.kind,
                    "owner_field": t.owner_field,
                    "fields": list(t.fields),
                    "validity": t.validity.model_dump(),
                    "retention": t.retention,
                    "result_code": t.result_code,
                    "notation": t.notation,
                    "procedures": list(t.procedures),
                    "titles": list(t.titles),
                    "keywords": list(t.keywords),
                    "labels": {k: list(v) for k, v in t.labels.items()},
                    "forms": list(t.forms),
                    "roles": list(t.roles),
                    "owner_roles": list(t.owners),
                    "optional_roles": list(t.optional_roles),
                    "catalogue_version": doc_types.version,
                }
                for t in doc_types.types
            ]
        )
        return
    table = new_table(title=f"Danh mục loại giấy tờ (phiên bản {doc_types.version})")
    for col in ("Mã", "Tên", "Name", "Hiệu lực / Validity", "Lưu trữ / Retention"):
        table.add_column(col)
    for t in doc_types.types:
        v = t.validity
        validity = {"permanent": "vĩnh viễn", "printed": "theo ngày in"}.get(v.kind, f"{v.n} {v.kind}")
        table.add_row(
            t.code, t.name_vi, t.name_en, validity, "vĩnh viễn" if t.retention == "permanent" else f"{t.retention} năm"
        )
    out.print(table)


@guarded
def show_cmd(
    doc_code: Annotated[str, typer.Argument(help="Mã tài liệu / document code")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xem một tài liệu đã số hóa (có ghi nhật ký) / show one document (the lookup is audited)."""
    from catalog.db import Catalog
    from catalog.errors import NotFound

    cfg = cli_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        d = catalog.by_code(doc_code)
        if d is None:
            raise NotFound(f"no document with code {doc_code}", f"không có tài liệu mã {doc_code}")
        catalog.record_event(
            "viewed",
            operator_name(cfg, operator),
            agency=cfg.agency,
            doc_key=d.key,
            doc_code=d.doc_code,
            owner_id=d.owner_id,
            detail={"via": "cli show"},
        )
        if d.pdf_key:
            from archive.store import open_store

            pdf = open_store(cfg.store_config).locate(d.pdf_key)
        else:
            pdf = None
        data = {
            "doc_code": d.doc_code,
            "dossier_code": d.dossier_code,
            "paper_code": d.paper_code,
            "status": d.status,
            "review": d.review_reasons,
            "reason": d.reason,
            "type_code": d.type_code,
            "type_name": d.type_name,
            "type_confidence": d.type_confidence,
            "owner_id": d.owner_id,
            "fields": d.fields,
            "issue_date": d.issue_date,
            "valid_until": d.valid_until,
            "pages": d.pages,
            "ocr_confidence": d.ocr_confidence,
            "input": d.input,
            "sha256": d.key,
            "agency": d.agency,
            "operator": d.operator,
            "signed_at": d.signed_at,
            "archived_at": d.archived_at,
            "pdf": pdf,
            "pdf_sha256": d.pdf_sha256,
            "objects": d.objects,
        }
        from catalog.originals import ORIGIN_VI, origin_of, original_info

        origin = origin_of(original_info(catalog, d.key))
        data["origin_vi"] = ORIGIN_VI[origin["origin"]]
        data.update(origin)
    finally:
        catalog.close()
    if as_json:
        print_json(data)
        return
    print_record(f"Tài liệu {doc_code}", data)


@guarded
def doctor_cmd() -> None:
    """Kiểm tra cài đặt / check that everything the pipeline calls is installed and reachable."""
    import shutil as _sh

    from archive.store import open_store
    from catalog.db import Catalog
    from ocr.tesseract import probe
    from signing.sign import build_signer

    cfg = cli_config()
    rows: list[tuple[str, str, bool]] = []

    def check(name: str, fn) -> None:
        try:
            rows.append((name, str(fn()), True))
        except Exception as e:
            f = describe(e)
            rows.append((name, f.message, False))

    check("Tesseract + vie", lambda: f"{probe(cfg.ocr.lang).version}")
    check(
        "poppler (pdftoppm)",
        lambda: (
            _sh.which("pdftoppm")
            or (_ for _ in ()).throw(FileNotFoundError("pdftoppm not found: apt install poppler-utils"))
        ),
    )
    check("catalog", lambda: Catalog(cfg.catalog_config.url).dialect)  # type: ignore[arg-type]
    check("store", lambda: open_store(cfg.store_config).url)
    check(
        "signing key", lambda: f"{cfg.signing.level}: {build_signer(cfg.signing, cfg.pki_dir, cfg.agency_name).subject}"
    )
    check(
        "font",
        lambda: (
            cfg.signing.font_path
            if cfg.signing.font_path.exists()
            else (_ for _ in ()).throw(
                FileNotFoundError(f"{cfg.signing.font_path} missing: apt install fonts-liberation2")
            )
        ),
    )
    table = new_table(title="sohoa doctor")
    for col in ("", "check", "result"):
        table.add_column(col)
    for name, result, ok in rows:
        table.add_row("[green]✓[/]" if ok else "[red]✗[/]", name, result)
    out.print(table)
    if not all(ok for _, _, ok in rows):
        raise typer.Exit(ExitCode.MISSING_DEPENDENCY)
