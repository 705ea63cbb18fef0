"""``sohoa serve``, ``sohoa lookup`` and ``sohoa audit``: the lookup API and its command-line twins."""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json


def app_factory():
    """uvicorn factory (``--workers`` > 1 imports this by name in each worker process)."""
    import gc

    from pipeline.config import load_config
    from pipeline.web import create_app

    app = create_app(load_config())
    # What is loaded by now (modules, the application, its schemas) lives as long as the process: kept out of
    # the collector's full passes, which would otherwise walk it again and again under load.
    gc.collect()
    gc.freeze()
    return app


@guarded
def serve(
    host: Annotated[str | None, typer.Option(help="Địa chỉ / listen address (default: api.host)")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng / port (default: api.port, 8700)")] = None,
    workers: Annotated[int | None, typer.Option(help="Số tiến trình / worker processes")] = None,
) -> None:
    """Chạy API tra cứu / serve the lookup API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from catalog.api.app import install_access_log_masking
    from catalog.api.http_protocol import PROTOCOL

    cfg = cli_config()
    install_access_log_masking()
    n = workers or cfg.api.workers
    os.environ["SOHOA_API__WORKERS"] = str(n)  # each worker loads the config again: it must know its share
    if n > 1:  # the workers must sign and check the same session cookies (a new secret per start otherwise)
        import secrets

        for name in ("SOHOA_WORKSPACE_SECRET", "SOHOA_DASHBOARD_SECRET"):
            os.environ.setdefault(name, secrets.token_hex(32))
    uvicorn.run(
        "pipeline.cli_api:app_factory",
        factory=True,
        host=host or cfg.api.host,
        port=port or cfg.api.port,
        workers=n,
        log_level=cfg.log_level.lower() if cfg.log_level.upper() != "WARNING" else "info",
        server_header=False,
        http=PROTOCOL,
    )


def _with_national(cfg, ans):
    """The CLI twin of the API's national part (``pipeline.sync.national``), within the same time budget."""
    import asyncio

    from catalog import lookup as lk
    from pipeline.sync.national import NationalLookup
    from pipeline.sync.rest import RestConnector

    national = NationalLookup(RestConnector(cfg.sync), cfg.sync)

    async def ask():
        try:
            return await national.lookup(ans.owner_id, ans.open_types())
        finally:
            await national.aclose()

    remote, message = asyncio.run(ask())
    return lk.with_national(ans, remote, message)


@guarded
def lookup(
    owner: Annotated[str, typer.Option(help="Số định danh / mã số doanh nghiệp — owner ID")],
    procedure: Annotated[str | None, typer.Option(help="Mã thủ tục / procedure code, e.g. 1.000894")] = None,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="Loại giấy tờ (lặp lại được) / paper type (repeatable)")
    ] = None,
    on_date: Annotated[str | None, typer.Option("--on", help="Ngày xét hiệu lực / day, YYYY-MM-DD")] = None,
    purpose: Annotated[str | None, typer.Option(help="Mục đích (vd. mã hồ sơ) / purpose, e.g. dossier code")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ / operator ID")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON như API / same JSON as the API")] = False,
) -> None:
    """Kiểm tra tái sử dụng giấy tờ / reuse check: which papers the state already holds (audited)."""
    from catalog import audit
    from catalog import lookup as lk
    from catalog.db import Catalog
    from catalog.errors import InvalidCode
    from catalog.types import default_document_types

    cfg = cli_config()
    try:
        day = date.fromisoformat(on_date) if on_date else lk.today(cfg.timezone)
    except ValueError:
        raise InvalidCode(f"--on {on_date!r} is not YYYY-MM-DD", f"--on {on_date!r} sai dạng YYYY-MM-DD") from None
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        if procedure is None and not type_:
            papers = lk.owner_documents(catalog, default_document_types(), owner, valid_on=None)
            audit.record(
                catalog,
                audit.OWNER_DOCUMENTS,
                actor=operator_name(cfg, operator),
                agency=cfg.agency,
                owner_id=owner.strip(),
                purpose=purpose,
                result=f"{len(papers)} documents",
                via="cli",
            )
            data = {"owner_id": owner.strip(), "documents": [p.as_dict() for p in papers]}
            if as_json:
                print_json(data)
                return
            table = new_table("doc_code", "type", "issued", "valid until", "signature", "status")
            for p in papers:
                table.add_row(p.doc_code, p.type_code, p.issue_date, p.valid_until or "∞", p.signature, p.status)
            out.print(table)
            return
        ans = lk.reuse_check(
            catalog, default_document_types(), owner, procedure_code=procedure, type_codes=type_, on_date=day
        )
        if cfg.sync.enabled and cfg.sync.national_lookup and ans.open_types():
            ans = _with_national(cfg, ans)
        audit.record(
            catalog,
            audit.REUSE_CHECK,
            actor=operator_name(cfg, operator),
            agency=cfg.agency,
            owner_id=ans.owner_id,
            purpose=purpose,
            result=f"{ans.reusable}/{ans.required} reusable",
            via="cli",
            extra=audit.reuse_detail(ans),
        )
    finally:
        catalog.close()
    if as_json:
        print_json(ans.as_dict())
        return
    table = new_table("type", "status", "doc_code", "issued", "valid until", "signature", title=f"on {ans.on_date}")
    for p in ans.papers:
        d = p.document
        table.add_row(
            f"{p.type_code} {p.type_name}",
            p.status,
            d.doc_code if d else "",
            d.issue_date if d else "",
            (d.valid_until or "∞") if d else "",
            d.signature if d else "",
        )
    out.print(table)
    out.print(f"Không phải nộp lại / need not be submitted: {ans.reusable}/{ans.required} ({ans.reuse_share:.0%})")


@guarded
def audit_cmd(
    owner: Annotated[str, typer.Option(help="Số định danh / mã số doanh nghiệp — owner ID")],
    limit: Annotated[int, typer.Option(help="Tối đa / at most")] = 1000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ai đã tra cứu giấy tờ của người này / who looked at this owner's papers."""
    from dataclasses import asdict

    from catalog import audit
    from catalog.codes import validate_owner_id
    from catalog.db import Catalog

    cfg = cli_config()
    owner = validate_owner_id(owner)
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        rows = audit.who_looked(catalog, owner, limit=limit)
    finally:
        catalog.close()
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    table = new_table("time (UTC)", "who", "client", "agency", "what", "document", "purpose", "result", "via")
    for r in rows:
        table.add_row(
            f"{r.at:%Y-%m-%d %H:%M:%S}",
            r.actor,
            r.client or "",
            r.agency or "",
            r.action.removeprefix("access."),
            r.doc_code or "",
            r.purpose or "",
            r.result or "",
            r.via or "",
        )
    out.print(table)
