"""``/v1/dossiers`` and ``/v1/office-figures``: what the one-stop system and the office's own systems tell us.

Scope ``reception``, and always the key's own agency: a key registers, resolves and reads only its agency's
dossiers (another agency's dossier is answered as unknown), and reports only its agency's office figures. The
handlers are thin shells over :mod:`catalog.registered` and :mod:`catalog.service_figures`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from catalog import lookup, registered, service_figures
from catalog.api.auth import ApiError, require_scope
from catalog.apikeys import KeyInfo
from catalog.errors import CatalogError, InvalidCode, NotFound

router = APIRouter(prefix="/v1", tags=["reception"])
SCOPE = "reception"


class DossierIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "000.00.16.H42-261201-0001",
                    "procedure_code": "1.001193",
                    "owner_id": "037096014589",
                    "received_at": "2026-12-01T08:15:00+07:00",
                }
            ]
        },
    )
    code: str = Field(max_length=40, description="Dossier code issued by the one-stop system (mã hồ sơ)")
    procedure_code: str | None = Field(default=None, max_length=40, examples=["1.001193"])
    owner_id: str = Field(max_length=32, description="The applicant: personal ID number or enterprise code")
    persons: list[Annotated[str, Field(max_length=32)]] = Field(
        default=[], max_length=10, description="Others whose papers the dossier needs (e.g. the spouse)"
    )
    received_at: datetime = Field(description="When the office received it, ISO 8601 with a time zone")
    required_types: list[Annotated[str, Field(max_length=20)]] | None = Field(
        default=None, max_length=30, description="Paper types the procedure requires; default: the catalogue's"
    )


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolved_at: datetime = Field(description="When it was resolved, ISO 8601 with a time zone")
    outcome: Literal["resolved", "refused", "withdrawn"] = Field(
        description="resolved: resolved successfully (giải quyết thành công); refused; withdrawn"
    )


class DossierOut(BaseModel):
    code: str
    agency: str
    procedure_code: str | None
    received_at: str
    required_types: list[str]
    resolved_at: str | None
    outcome: str | None
    reused: bool = Field(description="At least one required paper was found reusable by a reuse check that counts")
    found_types: list[str]


class OfficeFigureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["waiting", "satisfaction"]
    day_from: date
    day_to: date
    count: int = Field(ge=0, description="waiting: visits; satisfaction: evaluations")
    total: float = Field(ge=0, description="waiting: minutes waited in all; satisfaction: evaluations satisfied")


class OfficeFiguresIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(default=None, max_length=100, examples=["qms-ninhbinh"])
    figures: list[OfficeFigureIn] = Field(max_length=1000)


def _ctx(request: Request):
    return request.app.state.ctx


def _own_agency(key: KeyInfo) -> str:
    if not key.agency:
        raise ApiError(
            403,
            "no_agency",
            "this key belongs to no agency: it cannot register dossiers",
            "khóa API không gắn với cơ quan nào nên không đăng ký được hồ sơ",
        )
    return key.agency


async def _call(ctx, fn, *args, **kwargs):
    try:
        return await ctx.in_thread(fn, *args, **kwargs)
    except registered.Conflict as e:
        raise ApiError(409, e.reason_code, str(e), e.vi) from None
    except InvalidCode as e:
        raise ApiError(400, e.reason_code, str(e), e.vi) from None
    except NotFound as e:
        raise ApiError(404, e.reason_code, str(e), e.vi) from None
    except CatalogError as e:
        if getattr(e, "retryable", False):
            raise ApiError(
                503, e.reason_code, "catalog temporarily unavailable", "cơ sở dữ liệu tạm thời không sẵn sàng"
            ) from None
        raise ApiError(500, e.reason_code, "internal error", "lỗi hệ thống") from None


def _register(ctx, agency: str, body: DossierIn, actor: str):
    types = body.required_types
    if types is None:  # the catalogue's list for the procedure
        types = (
            [c for c, _name in lookup.required_types(ctx.doc_types, body.procedure_code, None)]
            if body.procedure_code
            else []
        )
    return registered.register(
        ctx.catalog,
        agency=agency,
        code=body.code,
        owner_id=body.owner_id,
        persons=body.persons,
        received_at=body.received_at,
        procedure=body.procedure_code,
        required_types=types,
        actor=actor,
        tz=ctx.timezone,
    )


@router.post("/dossiers", response_model=DossierOut, status_code=201)
async def register_dossier(body: DossierIn, request: Request, key: KeyInfo = Depends(require_scope(SCOPE))):
    """Register a dossier the one-stop system received (201; the same registration again: 200; the same code with
    other data: 409). Reuse checks name it in ``X-Purpose``; only those of this agency about its persons count."""
    ctx = _ctx(request)
    reg, created = await _call(ctx, _register, ctx, _own_agency(key), body, f"key:{key.id}")
    return JSONResponse(reg.as_dict(), status_code=201 if created else 200)


@router.put("/dossiers/{code}/resolution", response_model=DossierOut)
async def resolve_dossier(
    body: ResolutionIn,
    request: Request,
    code: Annotated[str, Path(max_length=40)],
    key: KeyInfo = Depends(require_scope(SCOPE)),
):
    """Record how and when the dossier was resolved (sending it again is harmless; a correction replaces it)."""
    ctx = _ctx(request)
    reg = await _call(
        ctx,
        registered.resolve,
        ctx.catalog,
        agency=_own_agency(key),
        code=code,
        resolved_at=body.resolved_at,
        outcome=body.outcome,
        actor=f"key:{key.id}",
    )
    return JSONResponse(reg.as_dict())


@router.get("/dossiers/{code}", response_model=DossierOut)
async def get_dossier(
    request: Request, code: Annotated[str, Path(max_length=40)], key: KeyInfo = Depends(require_scope(SCOPE))
):
    """A registered dossier of the key's agency, with what its reuse checks found (folded up to now)."""
    ctx = _ctx(request)

    def read():
        registered.fold_reuse_checks(ctx.catalog)
        return registered.get(ctx.catalog, _own_agency(key), code)

    return JSONResponse((await _call(ctx, read)).as_dict())


@router.post("/office-figures", status_code=200)
async def office_figures(body: OfficeFiguresIn, request: Request, key: KeyInfo = Depends(require_scope(SCOPE))):
    """Waiting time (queue-ticket system) and satisfaction (evaluation system) of the key's agency, per span of
    days; a span sent again replaces the earlier one."""
    ctx = _ctx(request)
    agency = _own_agency(key)

    def store() -> int:
        rows = [service_figures.check(agency, f.kind, f.day_from, f.day_to, f.count, f.total) for f in body.figures]
        return service_figures.put(ctx.catalog, rows, source=body.source, actor=f"key:{key.id}")

    return JSONResponse({"stored": await _call(ctx, store)})
