"""Batches and quarantine: the batch list with live progress (the page asks ``batches.json`` every few seconds and
updates its figures in place), a batch's items with status and reason, the quarantine list with the reason in the
clerk's language, a preview of the kept file, and a supervisor's decisions — retry after the input was fixed,
discard with a reason, keep."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from catalog import batches as batch_db
from catalog.db import Batch
from catalog.errors import CatalogError
from catalog.quarantine_decisions import DECISION_VI, decide, item_with_agency, quarantined
from pipeline.workspace.core import PREFIX, Denied, Workspace, agency_clause

PREVIEW_TYPES = {"image/png", "image/jpeg", "image/tiff", "application/pdf", "image/gif", "image/webp"}


def add_work_routes(router: APIRouter, ws: Workspace) -> None:
    def recent_batches(request: Request, account, limit: int = 30) -> list[dict]:
        q = select(Batch).order_by(Batch.created_at.desc(), Batch.id.desc()).limit(limit)
        clause = agency_clause(account, Batch.agency)
        if clause is not None:
            q = q.where(clause)
        catalog = ws.get_catalog(request)
        with catalog.session() as s:
            rows = list(s.scalars(q))
        out = []
        for b in rows:
            st = batch_db.batch_status(catalog, b.id)
            if st is not None:
                out.append({**st.as_json(), "operator": b.operator, "agency": b.agency, "input_dir": b.input_dir})
        return out

    @router.get("/batches")
    def batch_list(request: Request) -> Response:
        account = ws.require(request)
        return ws.render(request, "batches.html", batches=recent_batches(request, account))

    @router.get("/batches.json")
    def batch_list_json(request: Request) -> Response:
        account = ws.require(request)
        return JSONResponse({"batches": recent_batches(request, account)}, headers={"Cache-Control": "no-store"})

    def batch_or_404(request: Request, batch_id: str, account):
        b = ws.get_catalog(request).get_batch(batch_id[:40])
        if b is None:
            raise Denied(404, f"Không có lô {batch_id}", f"no batch {batch_id}")
        ws.require_office(account, b.agency)
        return b

    @router.get("/batches/{batch_id}")
    def batch_page(request: Request, batch_id: str) -> Response:
        account = ws.require(request)
        b = batch_or_404(request, batch_id, account)
        catalog = ws.get_catalog(request)
        st = batch_db.batch_status(catalog, b.id)
        items = catalog.batch_items(b.id)
        return ws.render(request, "batch.html", batch=b, summary=st.as_json() if st else {}, items=items)

    @router.get("/batches/{batch_id}/status.json")
    def batch_json(request: Request, batch_id: str) -> Response:
        account = ws.require(request)
        b = batch_or_404(request, batch_id, account)
        catalog = ws.get_catalog(request)
        st = batch_db.batch_status(catalog, b.id)
        items = [{"id": it.id, "status": it.status, "reason": it.reason or ""} for it in catalog.batch_items(b.id)]
        return JSONResponse({**(st.as_json() if st else {}), "item_rows": items}, headers={"Cache-Control": "no-store"})

    @router.get("/quarantine")
    def quarantine_list(request: Request, all: int = Query(0, ge=0, le=1)) -> Response:
        from catalog.db import Batch as B

        account = ws.require(request)
        items = quarantined(
            ws.get_catalog(request), agency_clause=agency_clause(account, B.agency), include_discarded=bool(all)
        )
        return ws.render(
            request,
            "quarantine.html",
            items=items,
            decisions=DECISION_VI,
            show_all=bool(all),
            can_decide=account.at_least("supervisor"),
            ok=request.query_params.get("ok"),
        )

    def quarantine_folder(batch_id: str, ordinal: int) -> Path | None:
        if ws.quarantine_dir is None:
            return None
        return ws.quarantine_dir / batch_id / f"{ordinal:04d}"

    @router.get("/quarantine/{item_id}/preview")
    def preview(request: Request, item_id: int) -> Response:
        account = ws.require(request)
        try:
            item, agency = item_with_agency(ws.get_catalog(request), item_id)
        except CatalogError as e:
            raise Denied(404, getattr(e, "vi", str(e)), str(e)) from None
        ws.require_office(account, agency)
        folder = quarantine_folder(item.batch_id, item.ordinal)
        reason_file = folder / "reason.json" if folder else None
        if reason_file is None or not reason_file.is_file():
            raise Denied(404, "Không còn tệp trong thư mục cách ly", "no file kept in quarantine")
        reason = json.loads(reason_file.read_text(encoding="utf-8"))
        for f in reason.get("files") or []:
            rel = f.get("copy") if isinstance(f, dict) else None
            if not rel:
                continue
            p = (folder / rel).resolve()
            if folder.resolve() not in p.parents or not p.is_file():
                continue
            media = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
            if media not in PREVIEW_TYPES:
                media = "application/octet-stream"
            disposition = "inline" if media != "application/octet-stream" else "attachment"
            safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in p.name)
            ws.get_catalog(request).record_event(
                "quarantine_previewed", account.name, agency=agency, batch_id=item.batch_id, detail={"item_id": item_id}
            )
            return Response(
                p.read_bytes(),
                media_type=media,
                headers={"Content-Disposition": f'{disposition}; filename="{safe}"', "Cache-Control": "no-store"},
            )
        raise Denied(404, "Không còn tệp trong thư mục cách ly", "no file kept in quarantine")

    @router.post("/quarantine/{item_id}")
    def quarantine_decide(
        request: Request,
        item_id: int,
        decision: str = Form(..., max_length=10),
        reason: str = Form("", max_length=500),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        account = ws.require(request, "supervisor")
        ws.check_post(request, csrf)
        catalog = ws.get_catalog(request)
        try:
            item, agency = item_with_agency(catalog, item_id)
            ws.require_office(account, agency)
            if decision == "retry" and ws.retry is None:
                raise Denied(400, "Máy chủ này không xử lý lại được", "this server cannot retry items")
            decide(catalog, item_id, decision, account=account.name, reason=reason)
        except CatalogError as e:
            raise Denied(400, getattr(e, "vi", str(e)), str(e)) from None
        if decision == "retry":
            ws.retry(item.batch_id, [item_id], account.name)  # type: ignore[misc]
        return RedirectResponse(f"{PREFIX}/quarantine?ok={decision}", status_code=303)
