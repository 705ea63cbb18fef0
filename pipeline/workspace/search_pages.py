"""Search and documents: one box for an owner's ID number, a document code, a name or any words of the text
(diacritics and case ignored), a document page with its metadata, codes, validity, signature and the signed PDF
in the browser — and the API keys page of supervisors. Looking at a person's papers asks for the purpose and is
audited as the lookup API's accesses are (``catalog.audit``, ``via: workspace``); the ID number travels in a POST
body, never in a URL."""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from catalog import audit
from catalog.codes import mask_id
from catalog.db import Document
from catalog.errors import CatalogError
from pipeline.workspace.core import Denied, Workspace

_ID_RE = re.compile(r"^\d{9}(\d{3})?$")
_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}\.\d{2}$")


def add_search_routes(router: APIRouter, ws: Workspace) -> None:
    def write_audit(request: Request, action: str, account, **kw) -> None:
        audit.record(ws.get_catalog(request), action, actor=account.name, agency=account.agency, via="workspace", **kw)

    @router.get("/search")
    def search_form(request: Request) -> Response:
        ws.require(request)
        return ws.render(request, "search.html", q="", purpose="", results=None)

    @router.post("/search")
    def search(
        request: Request,
        q: str = Form("", max_length=200),
        purpose: str = Form("", max_length=200),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        from catalog.lookup import owner_documents
        from catalog.search import search as text_search

        account = ws.require(request)
        ws.check_post(request, csrf)
        catalog = ws.get_catalog(request)
        purpose = audit.clean_purpose(purpose) or ""
        q = " ".join(q.split())
        if not q:
            return ws.render(request, "search.html", q="", purpose=purpose, results=None)
        if not purpose:
            msg = "Cần ghi mục đích tra cứu." if ws.lang(request) == "vi" else "Say why you look (purpose)."
            return ws.render(request, "search.html", status=422, q=q, purpose="", results=None, error=msg)
        compact = q.replace(" ", "").replace(".", "")
        results: list[dict] = []
        try:
            if _ID_RE.match(compact):
                papers = owner_documents(catalog, ws.get_ctx(request).doc_types, compact)
                keys = {p.doc_code: p for p in papers}
                visible = _visible_codes(catalog, account, list(keys))
                for p in papers:
                    if p.doc_code in visible:
                        results.append(
                            {
                                "doc_code": p.doc_code,
                                "type": p.type_name or p.type_code,
                                "owner": mask_id(compact),
                                "issue_date": p.issue_date,
                                "status": p.status,
                                "snippet": "",
                            }
                        )
                write_audit(
                    request, audit.OWNER_DOCUMENTS, account, owner_id=compact, purpose=purpose,
                    result=f"{len(results)} documents",
                )  # fmt: skip
            else:
                if _CODE_RE.match(q):
                    rows = _documents_by_code(catalog, q)
                else:
                    hits = text_search(catalog, q, limit=50)
                    rows = [
                        (h.doc_code, h.doc_key, h.type_code, h.owner_id, h.issue_date, h.status, h.snippet)
                        for h in hits
                    ]
                visible = _visible_codes(catalog, account, [r[0] for r in rows if r[0]])
                for code, _key, type_code, owner, issued, status, snip in rows:
                    if code in visible:
                        results.append(
                            {
                                "doc_code": code,
                                "type": type_code,
                                "owner": mask_id(owner) if owner else "",
                                "issue_date": issued,
                                "status": status,
                                "snippet": mask_snippet(snip),
                            }
                        )
                write_audit(request, audit.SEARCH, account, purpose=purpose, result=f"{len(results)} documents")
        except CatalogError as e:
            msg = str(e) if ws.lang(request) == "en" else getattr(e, "vi", str(e))
            return ws.render(request, "search.html", status=400, q=q, purpose=purpose, results=None, error=msg)
        return ws.render(request, "search.html", q=q, purpose=purpose, results=results)

    def visible_document(request: Request, account, doc_code: str):
        from catalog.lookup import document

        catalog = ws.get_catalog(request)
        try:
            rec = document(catalog, doc_code[:80])
        except CatalogError as e:
            raise Denied(404, getattr(e, "vi", str(e)), str(e)) from None
        ws.require_office(account, rec.paper.agency)
        return rec

    @router.get("/doc/{doc_code}")
    def document_page(request: Request, doc_code: str, purpose: str = Query("", max_length=200)) -> Response:
        account = ws.require(request)
        rec = visible_document(request, account, doc_code)
        purpose = audit.clean_purpose(purpose) or ""
        if not purpose:  # a person's paper: first say why
            return ws.render(request, "purpose.html", doc_code=doc_code)
        catalog = ws.get_catalog(request)
        d = catalog.get(rec.doc_key)
        write_audit(
            request, audit.DOCUMENT, account, owner_id=rec.owner_id, doc_code=rec.paper.doc_code, doc_key=rec.doc_key,
            purpose=purpose, result="found",
        )  # fmt: skip
        history = [
            e
            for e in catalog.events(doc_key=rec.doc_key)
            if e.action.startswith("review_") and e.action != "review_viewed"
        ]
        return ws.render(
            request,
            "document.html",
            rec=rec,
            p=rec.paper,
            d=d,
            purpose=purpose,
            history=history,
        )

    @router.get("/doc/{doc_code}/pdf")
    def document_pdf(request: Request, doc_code: str, purpose: str = Query("", max_length=200)) -> Response:
        account = ws.require(request)
        rec = visible_document(request, account, doc_code)
        purpose = audit.clean_purpose(purpose) or ""
        if not purpose:
            raise Denied(400, "Cần ghi mục đích tra cứu.", "say why you look (purpose)")
        if not rec.pdf_key:
            raise Denied(404, "Tài liệu chưa có bản PDF đã ký", "no signed PDF")
        data = ws.get_ctx(request).open_store().get(rec.pdf_key)
        write_audit(
            request, audit.DOWNLOAD, account, owner_id=rec.owner_id, doc_code=rec.paper.doc_code, doc_key=rec.doc_key,
            purpose=purpose, result="sent",
        )  # fmt: skip
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", rec.paper.doc_code or "document")
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{safe}.pdf"', "Cache-Control": "no-store"},
        )

    # --- API keys (supervisors: their province's offices; admins: all) ------------------------------
    @router.get("/keys")
    def keys_page(request: Request) -> Response:
        from catalog.apikeys import list_keys

        account = ws.require(request, "supervisor")
        keys = [k for k in list_keys(ws.get_catalog(request), include_revoked=True) if account.sees_agency(k.agency)]
        return ws.render(request, "keys.html", keys=keys, new_key=None)

    @router.post("/keys")
    def create_key_page(
        request: Request,
        client: str = Form(..., max_length=100),
        agency: str = Form(..., max_length=20),
        scopes: list[str] = Form(...),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        from catalog.apikeys import create_key, list_keys

        account = ws.require(request, "supervisor")
        ws.check_post(request, csrf)
        ws.require_office(account, agency)
        catalog = ws.get_catalog(request)
        try:
            info, plaintext = create_key(
                catalog, agency=agency, scopes=",".join(scopes), client=client, created_by=account.name
            )
        except CatalogError as e:
            raise Denied(400, getattr(e, "vi", str(e)), str(e)) from None
        keys = [k for k in list_keys(catalog, include_revoked=True) if account.sees_agency(k.agency)]
        return ws.render(request, "keys.html", keys=keys, new_key=plaintext, new_info=info)


_DIGITS = re.compile(r"\d{6,}")


def mask_snippet(text: str) -> str:
    """A line of OCR text for a list: ID numbers masked, and so is a long run of digits cut by the snippet's edge
    (``03720301…`` would give most of a number away)."""
    from pipeline.errors import mask_ids

    return _DIGITS.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), mask_ids(text))


def _documents_by_code(catalog, code: str) -> list[tuple]:
    with catalog.session() as s:
        rows = s.execute(
            select(
                Document.doc_code, Document.key, Document.type_code, Document.owner_id, Document.issue_date,
                Document.status,
            ).where(Document.doc_code == code)
        ).all()  # fmt: skip
    return [(*r, "") for r in rows]


def _visible_codes(catalog, account, codes: list[str]) -> set[str]:
    """Of these document codes, those of the offices the account sees (and shown in lists: archived or in review)."""
    if not codes:
        return set()
    with catalog.session() as s:
        rows = s.execute(
            select(Document.doc_code, Document.agency).where(
                Document.doc_code.in_(codes), Document.status.in_(("archived", "needs_review"))
            )
        ).all()
    return {c for c, agency in rows if account.sees_agency(agency)}
