"""``POST /v1/reuse-check``: the product's hottest request, answered in one place and at the least CPU.

``answer`` is the reuse check itself — purpose, owner and types validated, the owner's papers read
(``ctx.papers``: on the driver directly, ``catalog.api.readers``), the answer decided (``catalog.lookup``), the
national warehouse asked for what the province lacks, the audit row committed, the JSON built once. The
FastAPI route in ``catalog.api.routes`` calls it and documents the request and answer in the OpenAPI schema.

``ReuseCheckFastPath`` serves the same path as a plain ASGI handler that the application calls before
Starlette's middleware stack and FastAPI's router, where each request would otherwise pay for five middleware
layers, route matching, dependency solving, a model of the body and a thread hop to read the database (about
two thirds of the server's CPU per check when profiled): the key is checked by the same ``authorize``, the body
validated by the same pydantic model (``TypeAdapter.validate_json``: compiled once), errors answered in the
same shapes, the request counted and timed under the same metrics, with the same security headers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from catalog import audit, lookup
from catalog.api.auth import API_KEY_HEADER, ApiError, authorize
from catalog.apikeys import KeyInfo
from catalog.codes import validate_owner_id
from catalog.errors import CatalogError, InvalidCode, NotFound

log = logging.getLogger("sohoa.api")

PATH = "/v1/reuse-check"
MAX_BODY = 64 * 1024
"""The largest body a reuse check needs is well under 2 KB (30 types of 20 characters)."""


def api_error(e: CatalogError) -> ApiError:
    """A catalog error as the API answers it."""
    if isinstance(e, InvalidCode):
        return ApiError(400, e.reason_code, str(e), e.vi)
    if isinstance(e, NotFound):
        return ApiError(404, e.reason_code, str(e), e.vi)
    if getattr(e, "retryable", False):
        return ApiError(503, e.reason_code, "catalog temporarily unavailable", "cơ sở dữ liệu tạm thời không sẵn sàng")
    return ApiError(500, e.reason_code, "internal error", "lỗi hệ thống")


def check_purpose(ctx, purpose: str | None) -> None:
    """With ``api.require_purpose``, a request about a person must say why (Decree 13/2023 on personal data)."""
    if ctx.config.require_purpose and not audit.clean_purpose(purpose):
        raise ApiError(
            400,
            "purpose_required",
            "say why you look: send the X-Purpose header (e.g. the dossier code)",
            "cần nêu mục đích tra cứu trong tiêu đề X-Purpose (ví dụ mã hồ sơ)",
        )


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON, the same bytes as ``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``
    at a quarter of its CPU (orjson)."""
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)


async def answer(ctx, key: KeyInfo, body: Any, purpose: str | None) -> bytes:
    """The reuse check for ``body`` (a ``ReuseCheckIn``) asked with ``key``: the JSON answer, its audit row
    committed before it is returned."""
    check_purpose(ctx, purpose)
    try:
        owner = validate_owner_id(body.owner_id)
        wanted = lookup.required_types(ctx.doc_types, body.procedure_code, body.required_types)
        codes = [c for c, _ in wanted]
        if ctx.papers is not None and ctx.papers.usable():
            rows = await ctx.papers.owned(owner, codes)
        else:
            rows = await ctx.in_thread(lookup.owned_rows, ctx.catalog, owner, codes)
    except CatalogError as e:
        raise api_error(e) from None
    day = (body.on_date or lookup.today(ctx.timezone)).isoformat()
    ans = lookup.answer(owner, wanted, rows, day, body.procedure_code)
    if ctx.national is not None and (missing := ans.open_types()):
        remote, message = await ctx.national.lookup(ans.owner_id, missing)
        ans = lookup.with_national(ans, remote, message)
    try:
        await ctx.audit.write_async(
            audit.access_row(
                audit.REUSE_CHECK,
                actor=f"key:{key.id}",
                agency=key.agency,
                owner_id=ans.owner_id,
                purpose=purpose,
                result=f"{ans.reusable}/{ans.required} reusable",
                via="api",
                client=key.client,
                extra=audit.reuse_detail(ans),
            )
        )
    except CatalogError as e:
        raise api_error(e) from None
    ctx.metrics.reuse_share.observe(ans.reuse_share)
    return dumps(ans.as_dict())


def error_body(code: str, en: str, vi: str) -> bytes:
    return dumps({"error": code, "message": en, "message_vi": vi})


def validation_error(e: ValidationError | ValueError) -> ApiError:
    """A malformed body, worded as FastAPI's answer to the same body (``catalog.api.app``: 422)."""
    if isinstance(e, ValidationError):
        errors = e.errors(include_url=False, include_input=False)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in ('body', *err.get('loc', ())))}: {err.get('msg', '')}" for err in errors[:5]
        )
    else:
        problems = "body: JSON decode error"
    return ApiError(422, "invalid_request", problems, f"yêu cầu không hợp lệ: {problems}")


_HEADERS = [(b"content-type", b"application/json")]


class ReuseCheckFastPath:
    """The ASGI handler of ``POST /v1/reuse-check``, called by the application (``catalog.api.app``) before
    Starlette's middleware stack: it counts and times the request (as ``MetricsMiddleware`` does for every other
    route), answers errors itself (as the error middlewares would) and sends the security headers."""

    def __init__(self, ctx, metrics, security_headers: tuple[tuple[bytes, bytes], ...]) -> None:
        from catalog.api.routes import ReuseCheckIn

        self.ctx, self.metrics = ctx, metrics
        self.body = TypeAdapter(ReuseCheckIn)
        self.headers = [*_HEADERS, *security_headers]
        self._latency = metrics.latency.labels(PATH)
        self._counted: dict[int, Any] = {}

    def _count(self, status: int) -> Any:
        counter = self._counted.get(status)
        if counter is None:
            counter = self._counted[status] = self.metrics.requests.labels(PATH, "POST", str(status))
        return counter

    async def __call__(self, scope, receive, send) -> None:
        start = time.perf_counter()
        self.metrics.in_flight.inc()
        status = 500  # counted so when the client goes away before its answer
        try:
            extra: dict[str, str] = {}
            try:
                status, payload = 200, await self._handle(scope, receive)
            except ApiError as e:
                status, payload, extra = e.status, error_body(e.code, e.en, e.vi), e.headers
            except _ClientGone:
                status = 500
                return
            except Exception as e:  # answered like the application's own handler of the unexpected
                retry = bool(getattr(e, "retryable", False))
                code = getattr(e, "reason_code", "internal_error")
                log.error("unexpected error on %s: %s: %s", PATH, type(e).__name__, code)
                status = 503 if retry else 500
                payload = (
                    error_body(code, "service temporarily unavailable", "dịch vụ tạm thời không sẵn sàng")
                    if retry
                    else error_body("internal_error", "internal error", "lỗi hệ thống")
                )
            headers = [*self.headers, (b"content-length", str(len(payload)).encode())]
            headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
        finally:
            self.metrics.in_flight.dec()
            self._count(status).inc()
            self._latency.observe(time.perf_counter() - start)

    async def _handle(self, scope, receive) -> bytes:
        api_key = purpose = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                api_key = value.decode("latin-1")
            elif name == b"x-purpose":
                purpose = value.decode("utf-8", "replace")
        if purpose is not None and len(purpose) > audit.MAX_PURPOSE:
            raise ApiError(
                422,
                "invalid_request",
                f"header.X-Purpose: String should have at most {audit.MAX_PURPOSE} characters",
                f"yêu cầu không hợp lệ: tiêu đề X-Purpose dài quá {audit.MAX_PURPOSE} ký tự",
            )
        key = await authorize(self.ctx, api_key, "lookup")
        raw = await _read_body(receive)
        try:
            body = self.body.validate_json(raw)
        except ValidationError as e:
            raise validation_error(e) from None
        return await answer(self.ctx, key, body, purpose)


class _ClientGone(Exception):
    pass


async def _read_body(receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, "body_too_large", "request body too large", "nội dung yêu cầu quá lớn")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]


__all__ = ["API_KEY_HEADER", "PATH", "ReuseCheckFastPath", "answer", "api_error", "check_purpose"]
