"""``sohoa verify FILE|DOC_CODE``: is this copy still what the agency signed, and can it be trusted?

Thin shell over :func:`signing.verify.verify_pdf`. The process exits with the verdict
(:class:`signing.verify.Verdict`: 0 valid, 20 tampered, 21 invalid, 22 revoked, 23 untrusted,
24 level too low, 25 PDF/A problems, 26 unsigned, 27 unreadable); errors before a verdict keep the
usual codes (10 no such document, 5 store, 6 catalog, 9 configuration). For a document code every stored
copy is judged (``pipeline.docverify``): a damaged copy gives its verdict, not a store error.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json
from signing.levels import LEVELS

if TYPE_CHECKING:
    from catalog.db import Document
    from pipeline.config import AppConfig
    from pipeline.docverify import DocumentCheck
    from signing.verify import Verdict, VerifyReport


def load_document(cfg: AppConfig, target: str, operator: str) -> Document:
    """The archived document of a code (the lookup is audited); NotFound when there is none."""
    from catalog.db import Catalog
    from catalog.errors import NotFound

    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        d = catalog.by_code(target)
        if d is None or not d.pdf_key:
            raise NotFound(
                f"no file and no archived document with code {target}",
                f"không có tệp hay tài liệu lưu trữ nào mã {target}",
            )
        catalog.record_event(
            "verified",
            operator,
            agency=cfg.agency,
            doc_key=d.key,
            doc_code=d.doc_code,
            owner_id=d.owner_id,
            detail={"via": "cli verify", "pdf_key": d.pdf_key},
        )
        return d
    finally:
        catalog.close()


@guarded
def verify_cmd(
    target: Annotated[str, typer.Argument(help="Tệp PDF hoặc mã tài liệu / a PDF file or a document code")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    online: Annotated[
        bool, typer.Option("--online", help="Hỏi OCSP/CRL hiện tại / fetch current OCSP and CRLs")
    ] = False,
    min_level: Annotated[
        str | None, typer.Option("--min-level", help="Mức tối thiểu / lowest acceptable level: B-B B-T B-LT B-LTA")
    ] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    original: Annotated[
        bool,
        typer.Option(
            "--original",
            help="Kiểm tra tệp như bản gốc điện tử (theo [trust]) / judge a FILE as an electronic original "
            "against [trust], as the batch does",
        ),
    ] = False,
) -> None:
    """Kiểm tra chữ ký số và PDF/A / verify signatures, chain, timestamps, LTV and PDF/A.

    Exit code = verdict: 0 valid, 20 tampered, 21 invalid, 22 revoked, 23 untrusted, 24 level too low,
    25 PDF/A problems, 26 unsigned, 27 unreadable; 10 no such document.
    """
    if min_level is not None and min_level not in LEVELS:
        raise typer.BadParameter(f"--min-level must be one of {', '.join(LEVELS)}")
    from signing.verify import verify_configured

    cfg = cli_config()
    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # problems are in the report, not as tracebacks
    path = Path(target)
    if path.is_file() and original:
        verify_original_file(cfg, path, as_json, online)
    if path.is_file():
        report = verify_configured(cfg.signing, cfg.pki_dir, path.read_bytes(), fetch=online, min_level=min_level)
        source = {"file": str(path)}
        if as_json:
            print_json({**source, **report.as_dict()})
        else:
            print_report(source, report, cfg.timezone)
        raise typer.Exit(int(report.verdict))
    from archive.store import open_store
    from pipeline.docverify import check_copies

    doc = load_document(cfg, target, operator_name(cfg, operator))
    checked = check_copies(cfg, open_store(cfg.store_config), doc, fetch=online, min_level=min_level)
    deciding = checked.deciding
    source = {"doc_code": checked.doc_code, "pdf_key": checked.pdf_key, "pdf": deciding.location}
    if as_json:
        body = deciding.report.as_dict() if deciding.report is not None else {"signatures": [], "error": None}
        body.update(
            verdict=checked.verdict.name.lower(),
            exit_code=int(checked.verdict),
            copies=[c.as_dict() for c in checked.copies],
        )
        print_json({**source, **body})
    else:
        if deciding.report is not None:
            print_report(source, deciding.report, cfg.timezone, verdict=checked.verdict)
        print_copies(checked)
    raise typer.Exit(int(checked.verdict))


def verify_original_file(cfg: AppConfig, path: Path, as_json: bool, online: bool) -> None:
    """``sohoa verify FILE --original``: the batch's judgement of an electronic original, exit code = verdict."""
    from pipeline.originals import trust_for
    from signing.originals import validate_original, verdict_of

    check = validate_original(path.read_bytes(), trust_for(cfg, fetch=online or None))
    verdict = verdict_of(check)
    if as_json:
        print_json({"file": str(path), **check.as_dict(), "verdict": verdict.name.lower(), "exit_code": int(verdict)})
    else:
        print_report({"file": str(path)}, check.report, cfg.timezone, verdict=verdict)
        for f in check.findings:
            out.print(f"[red]✗[/] {escape(f.vi)} / {escape(f.en)}" + (f" ({escape(f.field)})" if f.field else ""))
        for note in check.notes:
            out.print(f"[green]✓[/] {escape(note)}")
    raise typer.Exit(int(verdict))


def print_copies(checked: DocumentCheck) -> None:
    from signing.verify import VERDICT_VI, Verdict

    table = new_table(title="Các bản lưu / stored copies")
    for col in ("", "bản / copy", "nơi lưu / location", "kết quả / verdict", "ghi chú / note"):
        table.add_column(col, overflow="fold")
    for c in checked.copies:
        ok = c.verdict == Verdict.VALID and not c.problem
        table.add_row(
            "[green]✓[/]" if ok else "[red]✗[/]",
            c.copy,
            escape(c.location),
            f"{VERDICT_VI[c.verdict]} / {c.verdict.name.lower()}",
            escape(c.problem or ""),
        )
    out.print(table)


def print_report(source: dict, r: VerifyReport, tz: str, verdict: Verdict | None = None) -> None:
    from signing.sign import vn_time
    from signing.verify import VERDICT_VI, Verdict

    v = r.verdict if verdict is None else verdict
    colour = "green" if v == Verdict.VALID else "red"
    where = escape(str(source.get("pdf") or next(iter(source.values()))))
    out.print(f"[bold {colour}]{VERDICT_VI[v]} / {v.name.lower()}[/] ({int(v)}) — {where}")
    if r.error:
        out.print(r.error)
    table = new_table(show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    for s in r.signatures:
        table.add_row("chữ ký / signature", s.field)
        table.add_row("  toàn vẹn / intact", _yn(s.intact))
        table.add_row("  hợp lệ / valid", _yn(s.valid))
        table.add_row("  tin cậy / trusted chain", _yn(s.trusted))
        table.add_row("  thu hồi / revoked", "có / yes" if s.revoked else "không / no")
        table.add_row("  người ký / signer", s.signer)
        table.add_row("  thời gian ký / signing time", vn_time(s.signing_time, tz) if s.signing_time else "")
        if s.timestamp:
            t = s.timestamp
            table.add_row("  dấu thời gian / timestamp", f"{vn_time(t.time, tz)} {_yn(t.trusted)} ({t.tsa})")
        table.add_row("  LTV", f"{_yn(s.ltv)} {s.ltv_detail}")
        table.add_row("  mức / level", s.level)
    for t in r.doc_timestamps:
        table.add_row(
            "dấu thời gian tài liệu / document timestamp",
            f"{vn_time(t.time, tz)} {_yn(t.intact and t.valid and t.trusted)} TSA cert → {t.tsa_cert_expires.date()}",
        )
    table.add_row("mức / level", r.level or "")
    table.add_row("PDF/A", "; ".join(r.pdfa_problems) or "✓")
    out.print(table)


def _yn(b: bool) -> str:
    return "[green]✓[/]" if b else "[red]✗[/]"
