"""``/dashboard``: the KPI page, its report downloads and a login form, as an APIRouter for the API app.

Access: an API key with the ``dashboard`` scope, sent in ``X-API-Key`` (systems, scripts), or typed once into
the login form (people), which sets a signed, HttpOnly session cookie holding the key's *id* (never the key)
and an expiry. Every request re-checks that the key is still active and still has the scope, so revoking a
key ends its sessions. The figures are aggregates (no personal data), so every dashboard key sees the whole
province; the filters narrow the view.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from catalog.dashboard.render import FORMATS, render_html, render_login
from catalog.db import Catalog
from catalog.errors import CatalogError
from catalog.kpi import (
    DEFAULT_TZ,
    LEVELS,
    compute_report,
    current_period,
    load_targets,
    parse_period,
    trend_periods,
)
from catalog.kpi_db import list_agencies

SCOPE = "dashboard"
COOKIE = "sohoa_dashboard"
API_KEY_HEADER = "X-API-Key"


class KeyLike(Protocol):
    id: str
    client: str
    agency: str
    scopes: frozenset[str]


class KeyDirectory(Protocol):
    """How the dashboard checks keys: by the plaintext (header, login form) or by id (session cookie)."""

    def by_plaintext(self, catalog: Catalog, plaintext: str) -> KeyLike | None: ...
    def by_id(self, catalog: Catalog, key_id: str) -> KeyLike | None: ...


class ApiKeyDirectory:
    """The lookup API's key store (``catalog.apikeys``)."""

    def by_plaintext(self, catalog: Catalog, plaintext: str) -> KeyLike | None:
        from catalog.apikeys import authenticate

        return authenticate(catalog, plaintext)

    def by_id(self, catalog: Catalog, key_id: str) -> KeyLike | None:
        from sqlalchemy import select

        from catalog.apikeys import ApiKey, KeyInfo

        with catalog.session() as s:
            row = s.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)))
            if row is None:
                return None
            return KeyInfo(row.id, row.client, row.agency, frozenset(row.scopes or ()), row.rate_per_minute)


class SessionSigner:
    """HMAC-signed cookie values ``<base64 payload>.<base64 signature>`` with an expiry."""

    def __init__(self, secret: bytes, max_age: int) -> None:
        self.secret, self.max_age = secret, max_age

    def _sig(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self.secret, payload, hashlib.sha256).digest()).decode().rstrip("=")

    def dumps(self, key_id: str) -> str:
        payload = base64.urlsafe_b64encode(json.dumps({"k": key_id, "exp": int(time.time()) + self.max_age}).encode())
        return payload.decode().rstrip("=") + "." + self._sig(payload.rstrip(b"="))

    def loads(self, value: str | None) -> str | None:
        if not value or "." not in value:
            return None
        payload, sig = value.rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sig(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        if not isinstance(data, dict) or int(data.get("exp", 0)) < time.time():
            return None
        return str(data.get("k") or "") or None


class _Denied(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


def dashboard_router(
    get_catalog: Callable[[Request], Catalog],
    *,
    keys: KeyDirectory | None = None,
    secret: bytes | None = None,
    session_hours: float = 8.0,
    targets_file: str | None = None,
    header_auth: Callable[..., Any] | None = None,
    cache_seconds: float = 30.0,
    timezone: str = DEFAULT_TZ,
) -> APIRouter:
    """Build the router. ``secret`` signs session cookies (``SOHOA_DASHBOARD_SECRET``; random per process
    when unset, so sessions end when the server restarts). ``header_auth`` is the API app's own key
    dependency (``require_scope("dashboard")``): when given, a request with ``X-API-Key`` gets exactly the
    API's answers (401/403/429 in JSON, rate limit, ``request.state.key``). Figures are kept
    ``cache_seconds`` per (period, level, agency); access is checked on every request. Periods are bounded by
    midnights in ``timezone`` (the application's setting)."""
    keys = keys or ApiKeyDirectory()
    env_secret = os.environ.get("SOHOA_DASHBOARD_SECRET")
    signer = SessionSigner(
        secret or (env_secret.encode() if env_secret else secrets.token_bytes(32)), int(session_hours * 3600)
    )
    router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=True)

    async def _header_auth(request: Request) -> None:
        if header_auth is not None and request.headers.get(API_KEY_HEADER):
            await header_auth(request, request.headers[API_KEY_HEADER])

    guarded = [Depends(_header_auth)]

    def who(request: Request, catalog: Catalog) -> tuple[KeyLike, str]:
        header = request.headers.get(API_KEY_HEADER)
        if header:
            checked = getattr(request.state, "key", None)  # set by header_auth when the app gives one
            info = checked if checked is not None else keys.by_plaintext(catalog, header)
            via = "header"
        else:
            key_id = signer.loads(request.cookies.get(COOKIE))
            if key_id is None:
                raise _Denied(401, "login")
            info = keys.by_id(catalog, key_id)
            via = "session"
        if info is None:
            raise _Denied(401, "Khóa truy cập không đúng hoặc đã bị thu hồi / unknown or revoked key")
        if SCOPE not in info.scopes:
            raise _Denied(403, "Khóa này không có quyền xem bảng theo dõi / this key lacks the 'dashboard' scope")
        return info, via

    def denied(request: Request, e: _Denied) -> Response:
        if e.message == "login":
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/dashboard/login?" + urlencode({"next": nxt}), status_code=303)
        return HTMLResponse(_page("Không được phép", e.message), status_code=e.status)

    def params(period: str | None, level: str | None, agency: str | None) -> tuple[Any, str | None, str | None]:
        p = parse_period(period, timezone) if period else current_period(tz=timezone)
        level = level or None
        if level and level not in LEVELS:
            raise _Denied(400, f"Cấp không hợp lệ: {level}")
        return p, level, agency or None

    cache: dict[tuple, tuple[float, dict[str, Any]]] = {}
    lock = threading.Lock()

    def report_for(catalog: Catalog, period, level, agency) -> dict[str, Any]:
        """The figures, computed at most once every ``cache_seconds`` per view (many people, one database)."""
        key = (period.label, level, agency)
        now = time.monotonic()
        with lock:
            hit = cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
        report = compute_report(catalog, period, load_targets(targets_file), level=level, agency=agency)
        with lock:
            if len(cache) > 256:
                cache.clear()
            cache[key] = (now + cache_seconds, report)
        return report

    @router.get("", response_class=HTMLResponse, summary="KPI dashboard (HTML)", dependencies=guarded)
    def dashboard(
        request: Request,
        period: str | None = Query(None, max_length=7, description="2026Q4 or 2026"),
        level: str | None = Query(None, max_length=10),
        agency: str | None = Query(None, max_length=20),
    ) -> Response:
        catalog = get_catalog(request)
        try:
            info, via = who(request, catalog)
            p, level, agency = params(period, level, agency)
            report = report_for(catalog, p, level, agency)
        except _Denied as e:
            return denied(request, e)
        except CatalogError as e:
            return HTMLResponse(_page("Yêu cầu không hợp lệ", getattr(e, "vi", str(e))), status_code=400)
        now = current_period(tz=timezone)
        choices = [*(x.label for x in reversed(trend_periods(now, 8))), str(now.year), str(now.year - 1)]
        if p.label not in choices:
            choices.insert(0, p.label)
        query = urlencode({k: v for k, v in {"period": p.label, "level": level, "agency": agency}.items() if v})
        page = render_html(
            report,
            dashboard={
                "action": "/dashboard",
                "periods": choices,
                "agencies": list_agencies(catalog),
                "report_url": f"/dashboard/report?{query}",
                "logout": "/dashboard/logout" if via == "session" else None,
                "who": f"{info.client} · {info.agency}",
            },
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @router.get("/report", summary="The quarterly report as html, csv, xlsx or json", dependencies=guarded)
    def report(
        request: Request,
        period: str | None = Query(None, max_length=7),
        level: str | None = Query(None, max_length=10),
        agency: str | None = Query(None, max_length=20),
        format: str = Query("html", pattern="^(html|csv|xlsx|json)$"),
    ) -> Response:
        catalog = get_catalog(request)
        try:
            who(request, catalog)
            p, level, agency = params(period, level, agency)
            data = report_for(catalog, p, level, agency)
        except _Denied as e:
            return denied(request, e)
        except CatalogError as e:
            return HTMLResponse(_page("Yêu cầu không hợp lệ", getattr(e, "vi", str(e))), status_code=400)
        media, fn = FORMATS[format]
        name = f"bao-cao-so-hoa-{p.label}{'-' + agency if agency else ''}.{format}"
        name = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # a header is latin-1: never echo raw input into it
        disposition = "inline" if format == "html" else "attachment"
        return Response(
            fn(data),
            media_type=media,
            headers={"Content-Disposition": f'{disposition}; filename="{name}"', "Cache-Control": "no-store"},
        )

    @router.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(next: str = Query("/dashboard", max_length=500)) -> HTMLResponse:
        return HTMLResponse(render_login(next_url=_safe_next(next)))

    @router.post("/login", include_in_schema=False)
    def login(request: Request, key: str = Form(..., max_length=200), next: str = Form("/dashboard")) -> Response:
        catalog = get_catalog(request)
        info = keys.by_plaintext(catalog, key.strip())
        if info is None or SCOPE not in info.scopes:
            _record(catalog, "dashboard_login_failed", info, request)
            msg = "Khóa không đúng, đã bị thu hồi hoặc không có quyền dashboard."
            return HTMLResponse(render_login(error=msg, next_url=_safe_next(next)), status_code=401)
        _record(catalog, "dashboard_login", info, request)
        resp = RedirectResponse(_safe_next(next), status_code=303)
        resp.set_cookie(
            COOKIE,
            signer.dumps(info.id),
            max_age=signer.max_age,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/dashboard",
        )
        return resp

    @router.get("/logout", include_in_schema=False)
    def logout() -> Response:
        resp = RedirectResponse("/dashboard/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/dashboard")
        return resp

    return router


def _safe_next(url: str) -> str:
    """Only redirect inside the dashboard (no open redirect)."""
    return url if url.startswith("/dashboard") and "//" not in url and "\\" not in url else "/dashboard"


def _record(catalog: Catalog, action: str, info: KeyLike | None, request: Request) -> None:
    try:
        catalog.record_event(
            action,
            f"key:{info.id}" if info else "anonymous",
            agency=info.agency if info else None,
            detail={"client": info.client if info else None, "at": datetime.now(UTC).isoformat(timespec="seconds")},
        )
    except CatalogError:
        pass


def _page(title: str, message: str) -> str:
    from html import escape

    return (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body style="font-family:sans-serif;max-width:600px;margin:60px auto"><h1>{escape(title)}</h1>'
        f'<p id="message">{escape(message)}</p><p><a href="/dashboard/login">Đăng nhập</a></p></body></html>'
    )
