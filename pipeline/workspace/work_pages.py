"""Batches and quarantine: the batch list with live progress (while a batch runs or starts, the page asks
``batches.json`` every few seconds for those batches only — one query — and updates its figures in place),
starting a batch on a folder of the office or on uploaded files (``batch_start``), a batch's items with status and
reason, the quarantine list with the reason in the clerk's language, a preview of the kept file, and a
supervisor's decisions — retry after the input was fixed, discard with a reason, keep."""

from __future__ import annotations

import json
import mimetypes
import shutil
from pathlib import Path

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from catalog import batches as batch_db
from catalog.db import Batch
from catalog.errors import CatalogError
from catalog.quarantine_decisions import DECISION_VI, decide, item_with_agency, quarantined
from pipeline.workspace.batch_start import Start, can_start, safe_name, start_folders
from pipeline.workspace.core import PREFIX, Denied, Workspace, agency_clause

PREVIEW_TYPES = {"image/png", "image/jpeg", "image/tiff", "application/pdf", "image/gif", "image/webp"}


def _offices(ws: Workspace, request: Request, account) -> list[str]:
    """The offices an account may start a batch for: a clerk its own; a supervisor or admin those it sees."""
    if account.role == "clerk":
        return [account.agency] if account.agency else []
    from pipeline.workspace.review_pages import _visible_agencies

    return sorted({*_visible_agencies(ws, request, account), *([account.agency] if account.agency else [])})


def add_work_routes(router: APIRouter, ws: Workspace) -> None:
    def listed(request: Request, account, **kw) -> list[dict]:
        """The batches of the offices the account sees, with their status: one query (``batch_statuses``)."""
        rows = batch_db.batch_statuses(ws.get_catalog(request), where=agency_clause(account, Batch.agency), **kw)
        when = ws.env.filters["dt"]  # in the installation's time zone, as the page writes it
        return [{**b.as_json(), "created": when(b.status.created_at)} for b in rows]

    def starting(account, shown: list[dict]) -> list[dict]:
        """Batches asked for here and not recorded yet (or that could not start)."""
        if ws.launcher is None:
            return []
        ws.launcher.forget({b["batch_id"] for b in shown})
        shown_ids = {b["batch_id"] for b in shown}
        return [s.as_json() for s in ws.launcher.waiting(account.sees_agency) if s.batch_id not in shown_ids]

    @router.get("/batches")
    def batch_list(request: Request) -> Response:
        account = ws.require(request)
        batches = listed(request, account)
        allowed = can_start(account) and ws.launcher is not None
        return ws.render(
            request,
            "batches.html",
            batches=batches,
            starting=starting(account, batches),
            can_start=allowed,
            folders=start_folders(ws.launcher.root, account) if allowed else [],
            offices=_offices(ws, request, account) if allowed else [],
            ok=request.query_params.get("ok"),
        )

    @router.get("/batches.json")
    def batch_list_json(
        request: Request,
        ids: str = Query("", max_length=2000),
        after: str | None = Query(None, max_length=40),
    ) -> Response:
        """The figures of the batches still running on the page (``ids``) and of any batch newer than the page's
        newest (``after``, its id) — the page asks this every 3 s only while one runs or is starting."""
        account = ws.require(request)
        wanted = [x for x in ids.split(",") if x][:60]
        newer = None
        if after:
            b = ws.get_catalog(request).get_batch(after[:40])
            newer = b.created_at if b is not None else None
        batches = listed(request, account, ids=wanted, created_after=newer) if (wanted or newer) else []
        return JSONResponse(
            {"batches": batches, "starting": starting(account, batches)}, headers={"Cache-Control": "no-store"}
        )

    @router.post("/batches/start")
    def start_on_folder(
        request: Request, folder: str = Form(..., max_length=300), csrf: str = Form("", max_length=100)
    ) -> Response:
        account = ws.require(request)
        ws.check_post(request, csrf)
        launcher = starter(account)
        if folder not in start_folders(launcher.root, account):  # only a folder of the list, never a typed path
            raise Denied(
                403, "Thư mục này không nằm trong danh sách của cơ quan.", "this folder is not one of the office's"
            )
        agency = folder.split("/", 1)[0]
        start = Start(agency, account.name, folder, launcher.root / folder)
        ws.get_catalog(request).record_event(
            "batch_requested", account.name, agency=agency, batch_id=start.batch_id, detail={"folder": folder}
        )
        launcher(start)
        return RedirectResponse(f"{PREFIX}/batches?ok=started", status_code=303)

    @router.post("/batches/upload")
    async def start_on_upload(request: Request) -> Response:
        account = ws.require(request)
        launcher = starter(account)
        limit = launcher.cfg.workspace.upload_mb * 1024 * 1024
        if int(request.headers.get("content-length") or 0) > limit + 64 * 1024:
            raise Denied(413, "Tệp tải lên quá lớn.", "the upload is too large")
        form = await request.form(max_files=500, max_fields=10)
        ws.check_post(request, str(form.get("csrf") or ""))
        agency = str(form.get("office") or account.agency or "")
        if agency not in _offices(ws, request, account):
            raise Denied(403, "Không được tải lên cho cơ quan này.", "may not upload for this office")
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        if not files:
            raise Denied(400, "Chưa chọn tệp nào.", "no file chosen")
        folder = launcher.upload_folder(agency, account.name)
        total, names = 0, set()
        try:
            for f in files:
                name = safe_name(f.filename or "")
                while name in names:
                    name = "_" + name
                names.add(name)
                with (folder / name).open("wb") as out:
                    while chunk := await f.read(1 << 20):
                        total += len(chunk)
                        if total > limit:
                            raise Denied(413, "Tệp tải lên quá lớn.", "the upload is too large")
                        out.write(chunk)
        except Denied:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        label = f"{len(names)} tệp tải lên / uploaded files"
        start = Start(agency, account.name, label, folder)
        ws.get_catalog(request).record_event(
            "batch_requested",
            account.name,
            agency=agency,
            batch_id=start.batch_id,
            detail={"uploaded": len(names), "bytes": total, "folder": folder.name},
        )
        launcher(start)
        return RedirectResponse(f"{PREFIX}/batches?ok=started", status_code=303)

    def starter(account):
        if not can_start(account):
            raise Denied(
                403,
                f"Tài khoản {account.name} ({account.role}) không chạy lô số hóa.",
                f"account {account.name} ({account.role}) does not run batches",
            )
        if ws.launcher is None:
            raise Denied(400, "Máy chủ này không chạy lô số hóa", "this server does not run batches")
        return ws.launcher

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
