"""``sohoa verify FILE|DOC_CODE``: is this copy still what the agency signed, and can it be trusted?

Thin shell over :func:`signing.verify.verify_pdf`. The process exits with the verdict
(:class:`signing.verify.Verdict`: 0 valid, 20 tampered, 21 invalid, 22 revoked, 23 untrusted,
24 level too low, 25 PDF/A problems, 26 unsigned, 27 unreadable); errors before a verdict keep the
usual codes (10 no such document, 5 store, 6 catalog, 9 configuration).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json
from signing.levels import LEVELS

if TYPE_CHECKING:
    from pipeline.config import AppConfig
    from signing.verify import VerifyReport


def load_target(cfg: AppConfig, target: str, operator: str) -> tuple[bytes, dict]:
    """The PDF bytes of a file path or of the archived copy of a document code (the lookup is audited)."""
    path = Path(target)
    if path.is_file():
        return path.read_bytes(), {"file": str(path)}
    from archive.store import open_store
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
        store = open_store(cfg.store_config)
        return store.get(d.pdf_key), {"doc_code": d.doc_code, "pdf_key": d.pdf_key, "pdf": store.locate(d.pdf_key)}
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
) -> None:
    """Kiểm tra chữ ký số và PDF/A / verify signatures, chain, timestamps, LTV and PDF/A.

    Exit code = verdict: 0 valid, 20 tampered, 21 invalid, 22 revoked, 23 untrusted, 24 level too low,
    25 PDF/A problems, 26 unsigned, 27 unreadable; 10 no such document.
    """
    if min_level is not None and min_level not in LEVELS:
        raise typer.BadParameter(f"--min-level must be one of {', '.join(LEVELS)}")
    from signing.verify import verify_configured

    cfg = cli_config()
    data, source = load_target(cfg, target, operator_name(cfg, operator))
    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # problems are in the report, not as tracebacks
    report = verify_configured(cfg.signing, cfg.pki_dir, data, fetch=online, min_level=min_level)
    if as_json:
        print_json({**source, **report.as_dict()})
    else:
        print_report(source, report, cfg.timezone)
    raise typer.Exit(int(report.verdict))


def print_report(source: dict, r: VerifyReport, tz: str) -> None:
    from signing.sign import vn_time
    from signing.verify import VERDICT_VI, Verdict

    v = r.verdict
    colour = "green" if v == Verdict.VALID else "red"
    out.print(f"[bold {colour}]{VERDICT_VI[v]} / {v.name.lower()}[/] ({int(v)}) — {next(iter(source.values()))}")
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
