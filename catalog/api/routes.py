"""The ``/v1`` routes: each handler checks its key's scope, runs ``catalog.lookup`` / ``catalog.search`` in the
thread pool (one hop), awaits the audit row of every answer about a person, and returns JSON built once.

The reuse check is answered by ``catalog.api.reuse`` (its hot path runs in front of this router); its route
here documents it in the OpenAPI schema and calls the same ``reuse.answer``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from catalog import audit, lookup
from catalog import search as fts
from catalog.api import reuse
from catalog.api.auth import ApiError, require_scope
from catalog.apikeys import KeyInfo
from catalog.errors import CatalogError

router = APIRouter(prefix="/v1")


# --- schemas -----------------------------------------------------------------------------------------
class PaperOut(BaseModel):
    doc_code: str | None = Field(description="Document code (mã tài liệu), e.g. 000.00.16.H42-230515-0003.01")
    type_code: str | None = Field(description="Paper type from the catalogue, e.g. GKS")
    type_name: str | None
    issue_date: str | None = Field(description="YYYY-MM-DD")
    valid_until: str | None = Field(description="YYYY-MM-DD; null = no end of validity")
    signature: Literal["signed", "unsigned"]
    signed_at: str | None = Field(description="When the agency signed it, ISO 8601 UTC; null = unsigned")
    status: str = Field(description="Catalog status: archived | needs_review")
    agency: str | None = Field(description="Agency that digitized it")
    paper_code: str | None = None
    role: str | None = Field(
        default=None,
        description="The asked owner's role on the paper: husband, wife, holder, co_holder, person …; "
        "a paper with several owners (a marriage certificate) is found through any of them",
    )
    source: Literal["local", "national"] = Field(
        default="local", description="local: this province's warehouse; national: the national portal's warehouse"
    )


class RequiredPaperOut(BaseModel):
    type_code: str
    type_name: str
    status: Literal["reusable", "needs_review", "expired", "missing"]
    document: PaperOut | None
    reason: str | None


class ReuseCheckIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"owner_id": "037096014589", "procedure_code": "1.000894"},
                {"owner_id": "0100109106", "required_types": ["GCNDKDN"], "on_date": "2026-11-22"},
            ]
        },
    )
    owner_id: str = Field(
        max_length=32,
        description="12-digit personal ID number or 10-digit (-NNN) enterprise code",
        examples=["037096014589"],
    )
    procedure_code: str | None = Field(default=None, max_length=40, examples=["1.000894"])
    required_types: list[Annotated[str, Field(max_length=20)]] | None = Field(default=None, max_length=30)
    on_date: date | None = Field(default=None, description="Day the papers must be valid on (default: today, ICT)")


class NationalOut(BaseModel):
    status: Literal["ok", "unavailable"] = Field(
        description="unavailable: the national warehouse did not answer within the time budget; the answer is local"
    )
    papers: int = Field(description="The owner's papers it reported for the types the province lacks")
    reusable: int = Field(description="Required papers it satisfied that the province's warehouse did not")
    message: str | None


class ReuseCheckOut(BaseModel):
    owner_id: str
    on_date: str
    procedure_code: str | None
    required: int = Field(description="Papers the dossier needs")
    reusable: int = Field(description="Papers the state already holds, valid and signed")
    reuse_share: float = Field(description="reusable / required: share the applicant need not submit")
    papers: list[RequiredPaperOut]
    national: NationalOut | None = Field(
        default=None, description="Present when the national portal's warehouse is asked too (sync.national_lookup)"
    )


class OwnerDocumentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"owner_id": "037096014589"}]})
    owner_id: str = Field(max_length=32, description="12-digit personal ID number or 10-digit (-NNN) enterprise code")
    type: str | None = Field(default=None, max_length=20, description="Paper type code, e.g. GKS")
    valid_on: date | None = Field(default=None, description="Only papers valid on this day")


class OwnerDocumentsOut(BaseModel):
    owner_id: str
    documents: list[PaperOut]


class OwnerRoleOut(BaseModel):
    role: str
    owner_id: str


class DocumentOut(PaperOut):
    owner_id: str | None = Field(description="The primary owner, under whom the paper is filed")
    owners: list[OwnerRoleOut] = Field(default=[], description="Everyone the paper belongs to, with their role")
    dossier_code: str | None
    pages: int | None
    pdf_sha256: str | None
    file: str | None = Field(description="Path of the file route, when a signed PDF/A is stored")


class FileLinkOut(BaseModel):
    url: str
    expires_in: int


class SearchHitOut(BaseModel):
    doc_code: str | None
    type_code: str | None
    owner_id: str | None
    issue_date: str | None
    status: str
    snippet: str


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHitOut]


class ErrorOut(BaseModel):
    error: str
    message: str
    message_vi: str


ERRORS = {
    400: {"model": ErrorOut, "description": "Invalid owner ID, code or query"},
    401: {"model": ErrorOut, "description": "No API key, or unknown/revoked key"},
    403: {"model": ErrorOut, "description": "The key lacks the scope"},
    404: {"model": ErrorOut, "description": "Not found"},
    422: {"model": ErrorOut, "description": "Malformed request"},
    429: {"model": ErrorOut, "description": "Rate limit of the key exceeded"},
    503: {"model": ErrorOut, "description": "Catalog or store unavailable; retry later"},
}

Purpose = Annotated[
    str | None,
    Header(
        alias="X-Purpose",
        max_length=200,
        description="Why the caller looks (e.g. the dossier code); recorded in the audit trail",
    ),
]
OwnerId = Annotated[
    str, Path(max_length=32, description="Personal ID number or enterprise code", examples=["037096014589"])
]


def _scope(scope: str):
    return Depends(require_scope(scope))


def _ctx(request: Request):
    return request.app.state.ctx


def _json(data: dict) -> Response:
    """The answer as JSON, built once (the shapes are the response models above; FastAPI would validate twice)."""
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


async def _call(ctx, fn, *args, **kwargs):
    """Run catalog work in a worker thread; catalog errors become API errors."""
    try:
        return await ctx.in_thread(fn, *args, **kwargs)
    except CatalogError as e:
        raise _fail(e) from None


_check_purpose = reuse.check_purpose
_fail = reuse.api_error


async def _audit(ctx, key: KeyInfo, action: str, *, owner: str | None, purpose: str | None, result: str, **kw) -> None:
    await ctx.audit.write_async(
        audit.access_row(
            action,
            actor=f"key:{key.id}",
            agency=key.agency,
            owner_id=owner,
            purpose=purpose,
            result=result,
            via="api",
            client=key.client,
            **kw,
        )
    )


# --- routes ------------------------------------------------------------------------------------------
@router.post("/reuse-check", response_model=ReuseCheckOut, responses=ERRORS, tags=["lookup"])
async def reuse_check(
    body: ReuseCheckIn, request: Request, purpose: Purpose = None, key: KeyInfo = _scope("lookup")
) -> Response:
    """Which papers a procedure needs does the state already hold for this owner, valid and signed?

    Served by ``catalog.api.reuse.ReuseCheckFastPath`` in front of the router; this route documents it and
    answers where the application runs without that middleware."""
    return Response(await reuse.answer(_ctx(request), key, body, purpose), media_type="application/json")


@router.get("/owners/{owner_id}/documents", response_model=OwnerDocumentsOut, responses=ERRORS, tags=["lookup"])
async def owner_documents(
    owner_id: OwnerId,
    request: Request,
    type: Annotated[str | None, Query(max_length=20, description="Paper type code, e.g. GKS")] = None,
    valid_on: Annotated[date | None, Query(description="Only papers valid on this day")] = None,
    purpose: Purpose = None,
    key: KeyInfo = _scope("lookup"),
) -> Response:
    """An owner's digitized papers (archived or in review), newest first. The ID number is in the URL here, so
    in every proxy's log: prefer ``POST /v1/owner-documents``."""
    return await _owner_documents(request, owner_id, type, valid_on, purpose, key)


@router.post("/owner-documents", response_model=OwnerDocumentsOut, responses=ERRORS, tags=["lookup"])
async def owner_documents_by_body(
    body: OwnerDocumentsIn, request: Request, purpose: Purpose = None, key: KeyInfo = _scope("lookup")
) -> Response:
    """An owner's digitized papers, newest first, with the ID number in the body: it appears in no URL."""
    return await _owner_documents(request, body.owner_id, body.type, body.valid_on, purpose, key)


async def _owner_documents(
    request: Request, owner_id: str, type_code: str | None, valid_on: date | None, purpose: str | None, key: KeyInfo
) -> Response:
    ctx = _ctx(request)
    _check_purpose(ctx, purpose)
    papers = await _call(
        ctx, lookup.owner_documents, ctx.catalog, ctx.doc_types, owner_id, type_code=type_code, valid_on=valid_on
    )
    owner = owner_id.strip()
    await _audit(ctx, key, audit.OWNER_DOCUMENTS, owner=owner, purpose=purpose, result=f"{len(papers)} documents")
    return _json({"owner_id": owner, "documents": [p.as_dict() for p in papers]})


def _owners_of(rec: lookup.DocumentRecord) -> list[str | None]:
    """Everyone a document belongs to (the primary owner first), or [None] for a paper without an owner."""
    return [o for o in dict.fromkeys([rec.owner_id, *(o for _, o in rec.owners)]) if o] or [None]


async def _document(ctx, doc_code: str) -> lookup.DocumentRecord:
    return await _call(ctx, lookup.document, ctx.catalog, doc_code)


@router.get("/documents/{doc_code}", response_model=DocumentOut, responses=ERRORS, tags=["lookup"])
async def get_document(
    doc_code: Annotated[str, Path(max_length=80)], request: Request, purpose: Purpose = None, key=_scope("lookup")
) -> Response:
    """Metadata of one digitized paper."""
    ctx = _ctx(request)
    _check_purpose(ctx, purpose)
    rec = await _document(ctx, doc_code)
    for owner in _owners_of(rec):  # the answer shows each owner's paper: one audit row per person
        await _audit(ctx, key, audit.DOCUMENT, owner=owner, purpose=purpose, result="found", doc_code=doc_code)
    return _json(
        {
            **rec.paper.as_dict(),
            "owner_id": rec.owner_id,
            "owners": [{"role": role, "owner_id": owner} for role, owner in rec.owners],
            "dossier_code": rec.dossier_code,
            "pages": rec.pages,
            "pdf_sha256": rec.pdf_sha256,
            "file": f"/v1/documents/{rec.paper.doc_code}/file" if rec.pdf_key else None,
        }
    )


@router.get(
    "/documents/{doc_code}/file",
    responses={
        **ERRORS,
        200: {"content": {"application/pdf": {}}, "description": "The signed PDF/A (local store)"},
        307: {"model": FileLinkOut, "description": "Redirect to a short-lived presigned URL (S3 store)"},
    },
    tags=["download"],
    response_class=Response,
)
async def get_document_file(
    doc_code: Annotated[str, Path(max_length=80)], request: Request, purpose: Purpose = None, key=_scope("download")
) -> Response:
    """The signed PDF/A: a redirect to a short-lived presigned URL (S3) or the bytes (local store)."""
    ctx = _ctx(request)
    _check_purpose(ctx, purpose)
    rec = await _document(ctx, doc_code)
    if not rec.pdf_key:
        raise ApiError(404, "no_file", "this document has no stored PDF", "tài liệu này chưa có tệp PDF lưu trữ")
    expires = ctx.config.presign_seconds

    def fetch() -> tuple[str | None, bytes | None]:
        store = ctx.open_store()
        url = store.presigned_get(rec.pdf_key, timedelta(seconds=expires))  # None on the local store
        return (url, None) if url else (None, store.get(rec.pdf_key))

    try:
        url, data = await run_in_threadpool(fetch)
    except Exception as e:
        if getattr(e, "reason_code", None) in ("object_missing", "not_found"):
            raise ApiError(404, "no_file", "the stored PDF is missing", "không tìm thấy tệp PDF trong kho") from None
        code = getattr(e, "reason_code", "store_unavailable")
        raise ApiError(503, code, "object store unavailable", "kho lưu trữ không sẵn sàng") from None
    result = "presigned" if url else "streamed"
    for owner in _owners_of(rec):
        await _audit(ctx, key, audit.DOWNLOAD, owner=owner, purpose=purpose, result=result, doc_code=doc_code)
    if url:
        return JSONResponse({"url": url, "expires_in": expires}, status_code=307, headers={"Location": url})
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{doc_code}.pdf"', "Cache-Control": "no-store"},
    )


@router.get("/search", response_model=SearchOut, responses=ERRORS, tags=["search"])
async def search_documents(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find; accents optional")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    purpose: Purpose = None,
    key: KeyInfo = _scope("search"),
) -> Response:
    """Full-text search over the OCR text, insensitive to diacritics (administrators only)."""
    ctx = _ctx(request)
    _check_purpose(ctx, purpose)
    hits = await _call(ctx, fts.search, ctx.catalog, q, limit=min(limit, ctx.config.max_search_results))
    owners = sorted({h.owner_id for h in hits if h.owner_id})
    for owner in owners or [None]:  # one row per person whose papers the answer shows
        await _audit(
            ctx,
            key,
            audit.SEARCH,
            owner=owner,
            purpose=purpose,
            result=f"{len(hits)} hits",
            extra={"query": q[:200]},
        )
    return _json(
        {
            "query": q,
            "hits": [
                {
                    "doc_code": h.doc_code,
                    "type_code": h.type_code,
                    "owner_id": h.owner_id,
                    "issue_date": h.issue_date,
                    "status": h.status,
                    "snippet": h.snippet,
                }
                for h in hits
            ],
        }
    )
