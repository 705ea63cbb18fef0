"""The split of a scanned stack on the review screen, and its correction by a reviewer (issue 20): every page of
the stack with the number of the document it is in (or why the splitter dropped it), the stack's documents with
their codes and status; the reviewer types, page by page, the number of the document the page belongs in —
moving pages, merging documents (the same number) and splitting one (a new number) are all said this way, ``0``
drops a page on purpose. The correction is ``pipeline.resplit``'s (what ``sohoa stack fix`` runs): checked, the
replaced documents withdrawn from reuse, the new page sets run as a batch by the one driver (``batch_start``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from catalog.db import Catalog
from catalog.errors import CatalogError
from pipeline.workspace.batch_start import Start
from pipeline.workspace.core import PREFIX, Denied, Workspace

MAX_DOCS = 99


def stack_view(catalog: Catalog, batch_id: str | None, split: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the review screen shows of the stack a document was cut from; None for a document of whole files."""
    from pipeline.split_report import stack_report

    if not split or not batch_id:
        return None
    entry = next((s for s in stack_report(catalog, batch_id) if s["input"] == split.get("stack")), None)
    if entry is None:
        return None
    docs = entry["documents"]
    page_doc = {p: n for n, d in enumerate(docs, 1) for p in d["pages"]}
    dropped = {int(d["page"]): d["why"] for d in entry["dropped"]}
    total = int(entry["pages_total"] or max([*page_doc, *dropped, 0]))
    return {
        "entry": entry,
        "stack": entry["input"],
        "documents": [{**d, "n": n, "mine": d["pages"] == split.get("pages")} for n, d in enumerate(docs, 1)],
        "pages": [{"n": p, "doc": page_doc.get(p), "dropped": dropped.get(p)} for p in range(1, total + 1)],
    }


def correction_of(form: dict[str, str], total: int) -> tuple[list[list[int]], set[int]]:
    """The documents (each its pages, in page order) and the pages dropped on purpose, from the page boxes
    ``p.<page>`` = document number (``0``: dropped; empty: in none)."""
    from pipeline.resplit import ResplitError

    by_doc: dict[int, list[int]] = {}
    drop: set[int] = set()
    for page in range(1, total + 1):
        raw = form.get(f"p.{page}", "").strip()
        if not raw:
            continue
        if raw in ("0", "-") or raw.lower() in ("x", "bỏ", "drop"):
            drop.add(page)
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_DOCS:
            raise ResplitError(
                f"page {page}: {raw!r} is not a document number (1–{MAX_DOCS}, 0 drops the page)",
                f"trang {page}: {raw!r} không phải số tài liệu (1–{MAX_DOCS}, 0 để bỏ trang)",
            )
        by_doc.setdefault(int(raw), []).append(page)
    return [by_doc[n] for n in sorted(by_doc)], drop


def add_split_routes(router: APIRouter, ws: Workspace, load, review_page, images) -> None:
    @router.get("/review/{key}/stack/{n}")
    def stack_page(request: Request, key: str, n: int) -> Response:
        """Page ``n`` of the stack the document was cut from (its input file, else the warehouse's copy)."""
        from catalog.review import split_of
        from pipeline.resplit import stack_file

        account = ws.require(request, "reviewer")
        d = load(request, key, account)
        catalog = ws.get_catalog(request)
        view = stack_view(catalog, d.batch_id, split_of(catalog, d))
        if view is None or ws.launcher is None or not 1 <= n <= len(view["pages"]):
            raise Denied(404, "Không có trang này", "no such page")
        try:
            path = stack_file(catalog, ws.get_ctx(request).open_store(), view["entry"], ws.launcher.cfg.work_dir)
        except CatalogError as e:
            raise Denied(404, getattr(e, "vi", str(e)), str(e)) from None
        st = path.stat()
        png = images.png(f"stack:{path}:{st.st_size}:{st.st_mtime_ns}", n, path.read_bytes)
        if png is None:
            raise Denied(404, "Không có trang này", "no such page")
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})

    @router.post("/review/{key}/split")
    async def correct_split(request: Request, key: str) -> Response:
        from pipeline.resplit import Correction, plan_resplit, withdraw_replaced

        account = ws.require(request, "reviewer")
        form = {str(k): str(v) for k, v in (await request.form(max_files=0, max_fields=1100)).items()}
        ws.check_post(request, form.get("csrf", ""))
        d = load(request, key, account)
        catalog = ws.get_catalog(request)
        if ws.launcher is None:
            raise Denied(400, "Máy chủ này không chạy lô số hóa", "this server does not run batches")
        from catalog.review import split_of

        view = stack_view(catalog, d.batch_id, split_of(catalog, d))
        if view is None:
            raise Denied(400, "Tài liệu này không được tách từ một xấp giấy.", "this document was not cut from a stack")
        try:
            parts, drop = correction_of(form, len(view["pages"]))
            if parts == [doc["pages"] for doc in view["documents"]] and not drop:
                raise _unchanged()
            ctx = ws.get_ctx(request)
            rs = plan_resplit(
                catalog, ctx.open_store(), d.batch_id, view["stack"], Correction(parts, drop=drop),
                ws.launcher.cfg.work_dir, ctx.doc_types,
            )  # fmt: skip
            if not rs.items:
                raise _unchanged()
        except CatalogError as e:
            msg = str(e) if ws.lang(request) == "en" else getattr(e, "vi", str(e))
            return review_page(request, account, d.key, error=msg, status=422, split_typed=form)
        label = f"tách lại / re-split {view['stack']}"
        start = Start(d.agency or account.agency or "", account.name, label, rs.file.parent, planned=rs.items)
        withdraw_replaced(catalog, rs, account.name, start.batch_id)  # out of reuse at once, before the new run
        ws.launcher(start)
        return RedirectResponse(f"{PREFIX}/review/{d.key}?ok=resplit", status_code=303)


def _unchanged() -> CatalogError:
    from pipeline.resplit import ResplitError

    return ResplitError("the split is as it was: nothing to correct", "cách tách không thay đổi: không có gì để sửa")
