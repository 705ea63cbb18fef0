"""``/workspace``: the clerk's web screen (issue 21) as an APIRouter for the API app — login and logout, the
static files, the language switch; the pages are added by ``review_pages``, ``work_pages`` and
``search_pages``. Every handler is a thin shell over the functions the CLI uses."""

from __future__ import annotations

import math

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from catalog.accounts import LoginRefused, authenticate
from catalog.errors import CatalogError
from pipeline.workspace.core import COOKIE, HERE, LANG_COOKIE, PREFIX, Denied, Workspace, WorkspaceRoute, safe_next

STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


def workspace_router(ws: Workspace) -> APIRouter:
    from pipeline.workspace.review_pages import add_review_routes
    from pipeline.workspace.search_pages import add_search_routes
    from pipeline.workspace.work_pages import add_work_routes

    router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WorkspaceRoute)
    static = {p.name: p for p in (HERE / "static").iterdir() if p.suffix in STATIC_TYPES}

    @router.get("/static/{name}")
    def static_file(name: str) -> Response:
        p = static.get(name)
        if p is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(p.read_bytes(), media_type=STATIC_TYPES[p.suffix], headers={"Cache-Control": "max-age=300"})

    @router.get("")
    def home(request: Request) -> Response:
        a = ws.require(request)
        return RedirectResponse(f"{PREFIX}/review" if a.at_least("reviewer") else f"{PREFIX}/batches", 303)

    @router.get("/lang/{code}")
    def set_lang(code: str, next: str = Query(PREFIX, max_length=500)) -> Response:
        resp = RedirectResponse(safe_next(next), status_code=303)
        resp.set_cookie(LANG_COOKIE, "en" if code == "en" else "vi", max_age=365 * 86400, samesite="lax", path=PREFIX)
        return resp

    def login_page(request: Request, next_url: str, error: str | None = None, status: int = 200) -> Response:
        return ws.render(
            request, "login.html", status=status, next_url=safe_next(next_url), error=error, sso=ws.oidc is not None
        )

    @router.get("/login")
    def login_form(request: Request, next: str = Query(PREFIX, max_length=500)) -> Response:
        return login_page(request, next)

    @router.post("/login")
    def login(
        request: Request,
        name: str = Form(..., max_length=100),
        password: str = Form(..., max_length=200),
        next: str = Form(PREFIX, max_length=500),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        ws.check_post(request, csrf)
        catalog = ws.get_catalog(request)
        lang = ws.lang(request)
        address = request.client.host if request.client else "unknown"
        wait = ws.throttle.wait(address)
        if wait > 0:
            if ws.throttle.first_refusal(address):
                catalog.record_event("login_throttled", "anonymous", detail={"address": address})
            msg = "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau." if lang == "vi" else "Too many failed logins."
            resp = login_page(request, next, msg, 429)
            resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return resp
        try:
            account = authenticate(catalog, name, password)
        except LoginRefused as e:
            ws.throttle.failed(address)
            return login_page(request, next, e.en if lang == "en" else e.vi, 401)
        ws.throttle.succeeded(address)
        resp = RedirectResponse(safe_next(next), status_code=303)
        ws.session_cookie(resp, request, account)
        return resp

    @router.post("/logout")
    def logout(request: Request, csrf: str = Form("", max_length=100)) -> Response:
        ws.check_post(request, csrf)
        a = ws.account(request)
        if a is not None:
            ws.get_catalog(request).record_event("logout", a.name, agency=a.agency)
        resp = RedirectResponse(f"{PREFIX}/login", status_code=303)
        resp.delete_cookie(COOKIE, path=PREFIX)
        return resp

    if ws.oidc is not None:
        from pipeline.workspace.oidc import add_oidc_routes

        add_oidc_routes(router, ws)
    add_review_routes(router, ws)
    add_work_routes(router, ws)
    add_search_routes(router, ws)
    return router


def install_workspace(app: FastAPI, ws: Workspace) -> None:
    """Mount the workspace and answer its refusals (login redirect, error pages) in HTML."""
    app.include_router(workspace_router(ws))

    async def on_denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Denied)
        return ws.denied(request, exc)

    app.add_exception_handler(Denied, on_denied)
    app.state.workspace = ws


def catalog_error(e: CatalogError) -> Denied:
    status = 404 if type(e).__name__ == "NotFound" else 400
    return Denied(status, getattr(e, "vi", str(e)), str(e))
