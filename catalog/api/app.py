"""``build_app(ctx)``: the FastAPI application of the lookup API over an ``ApiContext``.

The context is made from explicit parts (the API settings, the catalog, the document types, a way to open
the object store, the time zone): ``catalog`` never imports ``pipeline`` or ``archive``. The application
factory that builds those parts from the configuration, and adds the dashboard, is ``pipeline.web``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from catalog.api.audit_sink import open_sink
from catalog.api.auth import ApiError, KeyCache, RateLimiter
from catalog.api.config import ApiConfig
from catalog.api.readers import open_reader
from catalog.api.reuse import PATH, ReuseCheckFastPath
from catalog.audit import AuditWriter
from catalog.db import Catalog
from catalog.errors import CatalogError
from catalog.types import DocumentTypes

log = logging.getLogger("sohoa.api")

_ID_RUN = re.compile(r"(?<!\d)(\d{3})\d{4,}(\d{3})(?!\d)")


def mask_path(path: str) -> str:
    """A request path safe for logs: digit runs (ID numbers, enterprise codes) masked, query values dropped."""
    base, sep, query = path.partition("?")
    base = _ID_RUN.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 6) + m.group(2), base)
    if sep:
        names = [p.split("=", 1)[0] for p in query.split("&") if p]
        base += "?" + "&".join(f"{n}=…" for n in names)
    return base


class MaskingAccessFilter(logging.Filter):
    """uvicorn's access log gets (client, method, path, http version, status): mask the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], mask_path(args[2]), *args[3:])
        return True


def install_access_log_masking() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskingAccessFilter) for f in logger.filters):
        logger.addFilter(MaskingAccessFilter())


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sohoa_api_requests_total", "API requests", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "sohoa_api_request_seconds",
            "API request latency",
            ["route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.rate_limited = Counter("sohoa_api_rate_limited_total", "requests refused with 429", registry=self.registry)
        self.reuse_share = Histogram(
            "sohoa_api_reuse_share",
            "share of a dossier's papers found reusable per reuse check",
            buckets=(0, 0.25, 0.5, 0.75, 1),
            registry=self.registry,
        )
        self.in_flight = Gauge("sohoa_api_in_flight", "requests being served", registry=self.registry)


class NationalLookup(Protocol):
    """The national portal's warehouse as the reuse check asks it (``pipeline.sync.national``)."""

    async def lookup(self, owner_id: str, type_codes: list[str]) -> tuple[list[dict[str, Any]] | None, str | None]:
        """The owner's papers of these types in sohoa's field names, or (None, why) when the national side did
        not answer within its time budget."""
        ...

    async def aclose(self) -> None:
        """Close its connections when the application stops (nothing to close by default)."""
        return None


class FileSource(Protocol):
    """What the file route needs of the object store (``archive.store.ObjectStore`` has it)."""

    def get(self, key: str, *, verify: bool = True) -> bytes: ...

    def presigned_get(self, key: str, expires: timedelta) -> str | None: ...


@dataclass
class ApiContext:
    """Everything the routes use, built once per application."""

    config: ApiConfig
    catalog: Catalog
    doc_types: DocumentTypes
    timezone: str
    keys: KeyCache
    limiter: RateLimiter
    metrics: Metrics
    store_opener: Callable[[], FileSource] | None = None
    """Opens the object store on first use (the file route is its only user); None: no store."""
    store: FileSource | None = None
    national: NationalLookup | None = None
    """Asked by reuse checks for the papers the province lacks; None: local answers only."""
    audit: Any = None  # catalog.audit.AuditWriter
    papers: Any = None
    """The hot path's reader of an owner's papers (``catalog.api.readers``), open while the application runs;
    None: reads go through ``Catalog.read`` in a worker thread."""
    owns_catalog: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    _db_limiter: Any = None

    @classmethod
    def make(
        cls,
        config: ApiConfig,
        catalog: Catalog,
        doc_types: DocumentTypes,
        timezone: str,
        *,
        store: FileSource | None = None,
        store_opener: Callable[[], FileSource] | None = None,
        national: NationalLookup | None = None,
        owns_catalog: bool = False,
    ) -> ApiContext:
        return cls(
            config=config,
            catalog=catalog,
            doc_types=doc_types,
            timezone=timezone,
            keys=KeyCache(config.key_cache_seconds),
            limiter=RateLimiter(config.rate_per_minute, config.workers),
            metrics=Metrics(),
            store_opener=store_opener,
            store=store,
            national=national,
            owns_catalog=owns_catalog,
        )

    async def in_thread(self, fn, *args, **kwargs):
        """Run blocking catalog work in a worker thread, at most ``catalog.read_pool_size`` at once: a read
        then always finds a pooled connection instead of opening one of its own."""
        if self._db_limiter is None:
            self._db_limiter = anyio.CapacityLimiter(self.catalog.read_pool_size)
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=self._db_limiter)

    def open_store(self) -> FileSource:
        if self.store is None:
            if self.store_opener is None:
                raise CatalogError("no object store configured", "chưa cấu hình kho lưu trữ")
            self.store = self.store_opener()
        return self.store


# FastAPI ≥ 0.16x traces and logs requests through OpenTelemetry once a provider is configured anywhere in the
# process: spans would carry raw paths (owner IDs) and validation logs the inputs. This API's telemetry is the
# Prometheus metrics above, by route template; the native one stays off whatever the environment sets up.
_NO_NATIVE_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def get_context(request: Request) -> ApiContext:
    return request.app.state.ctx


def _error(status: int, code: str, en: str, vi: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "message": en, "message_vi": vi}, status_code=status, headers=headers)


DEFAULT_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    # JSON answers need nothing from a browser; pages that do (the dashboard, /docs) set their own policy
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
)


def _with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {k.lower() for k, _ in headers}
    return headers + [(k, v) for k, v in DEFAULT_SECURITY_HEADERS if k not in present]


class MetricsMiddleware:
    """Pure ASGI middleware: counts and times requests by route template (never by the raw path), and gives every
    answer the security headers a route did not set itself (``DEFAULT_SECURITY_HEADERS``)."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {**message, "headers": _with_security_headers(list(message.get("headers", [])))}
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_flight.dec()
            route = scope.get("route")
            name = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(name, scope.get("method", ""), str(status["code"])).inc()
            self.metrics.latency.labels(name).observe(time.perf_counter() - start)


class _Api(FastAPI):
    """The API's application: ``POST /v1/reuse-check``, its hottest request, goes straight to ``fast_path``
    (``catalog.api.reuse``), before the middleware stack; everything else, lifespan included, to FastAPI."""

    fast_path: Any = None

    async def __call__(self, scope, receive, send) -> None:
        fast = self.fast_path
        if fast is not None and scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            await fast(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def build_app(ctx: ApiContext) -> FastAPI:
    """The lookup API over ``ctx``. Add other routers with ``Depends(require_scope(...))``."""
    ctx.audit = AuditWriter(ctx.catalog)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        ctx._db_limiter = None  # made again in this event loop on first use
        if ctx.audit.closed:  # started again after a shutdown (tests, reloads)
            ctx.audit = AuditWriter(ctx.catalog)
        # one reader per running application; a second lifespan of the same application (a test client
        # starting its own loop) leaves the first one's in place and reads through the catalog
        reader = sink = None
        if ctx.papers is None:
            reader = ctx.papers = await open_reader(ctx.catalog.url, ctx.catalog.dialect, ctx.catalog.read_pool_size)
            sink = await open_sink(ctx.catalog.url, ctx.catalog.dialect, ctx.audit.write_via_thread)
            ctx.audit.attach(sink)
        try:
            yield
        finally:
            if sink is not None:
                ctx.audit.attach(None)
                await sink.close()
            if reader is not None:
                ctx.papers = None
                await reader.close()
        ctx.audit.close()
        if ctx.national is not None:
            await ctx.national.aclose()
        if ctx.owns_catalog:
            ctx.catalog.close()

    app = _Api(
        **_NO_NATIVE_TELEMETRY,
        lifespan=lifespan,
        docs_url=None,  # served below from the swagger-ui-bundle package: no CDN, no inline script
        redoc_url=None,
        title="sohoa — tra cứu kho dữ liệu điện tử / warehouse lookup API",
        version="1.0.0",
        description=(
            "Does the state already hold this paper? Reuse checks for administrative procedures, an owner's "
            "digitized papers, signed PDF/A files and full-text search. Every call needs an `X-API-Key`; "
            "every call that touches a person's data is audited with the `X-Purpose` the caller gives."
        ),
    )
    app.state.ctx = ctx
    app.fast_path = ReuseCheckFastPath(ctx, ctx.metrics, DEFAULT_SECURITY_HEADERS)
    app.add_middleware(MetricsMiddleware, metrics=ctx.metrics)
    install_access_log_masking()

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.en, exc.vi, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()[:5]
        )
        return JSONResponse(
            {"error": "invalid_request", "message": problems, "message_vi": f"yêu cầu không hợp lệ: {problems}"},
            status_code=422,
        )

    @app.exception_handler(CatalogError)
    async def _catalog_error(request: Request, exc: CatalogError) -> JSONResponse:
        if exc.retryable:
            return _error(
                503, exc.reason_code, "catalog temporarily unavailable", "cơ sở dữ liệu tạm thời không sẵn sàng"
            )
        log.error("catalog error on %s: %s", mask_path(request.url.path), exc.reason_code)
        return _error(500, "internal_error", "internal error", "lỗi hệ thống")

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        return _error(
            503, "catalog_unavailable", "catalog temporarily unavailable", "cơ sở dữ liệu tạm thời không sẵn sàng"
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        retry = bool(getattr(exc, "retryable", False))
        code = getattr(exc, "reason_code", "internal_error")
        log.error("unexpected error on %s: %s: %s", mask_path(request.url.path), type(exc).__name__, code)
        if retry:
            return _error(503, code, "service temporarily unavailable", "dịch vụ tạm thời không sẵn sàng")
        return _error(500, "internal_error", "internal error", "lỗi hệ thống")

    @app.get("/healthz", tags=["ops"], summary="Liveness and catalog reachability")
    async def healthz() -> JSONResponse:
        def ping() -> None:
            with ctx.catalog.engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        try:
            await ctx.in_thread(ping)
        except Exception:
            return JSONResponse({"status": "unavailable", "catalog": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "catalog": ctx.catalog.dialect})

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics (no personal data)")
    async def metrics() -> Response:
        return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    from catalog.api.dossiers import router as dossiers_router
    from catalog.api.routes import router

    app.include_router(router)
    app.include_router(dossiers_router)
    _mount_docs(app)

    return app


DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_DOCS_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{title} — OpenAPI</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""
_DOCS_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
"""


def _mount_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the ``swagger-ui-bundle-v2`` package, served by this application itself (an
    office's network may not reach a CDN, and a page that loads script from a CDN runs what the CDN serves).
    The page has no inline script, so its Content-Security-Policy allows script from this site only."""
    from html import escape

    from fastapi.responses import HTMLResponse
    from starlette.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    headers = {"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"}
    page = _DOCS_PAGE.format(title=escape(app.title))
    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(_DOCS_INIT, media_type="text/javascript", headers=headers)
