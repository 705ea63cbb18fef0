"""``/dashboard``: the KPI page, its report downloads and a login form, as an APIRouter for the API app.

Access: an API key with the ``dashboard`` scope, sent in ``X-API-Key`` (systems, scripts), or typed once into
the login form (people), which sets a signed, HttpOnly session cookie holding the key's *id* (never the key)
and an expiry. Every request re-checks that the key is still active and still has the scope, so revoking a
key ends its sessions. The figures are aggregates (no personal data), so every dashboard key sees the whole
province; the filters narrow the view.

Hardening (issue 23): the login form and the logout (a POST) carry a CSRF token that must equal the one in a
``SameSite=Strict`` cookie, and a POST whose ``Origin`` or ``Sec-Fetch-Site`` says it came from another site is
refused; failed logins are throttled per client address (and in total), so guessing keys is slow and fills no
table; a request with a session cookie takes from the key's own rate limit, as one with the key header does;
an unknown agency filter is refused before any KPI is computed; every answer carries a strict
Content-Security-Policy (no script at all), ``X-Frame-Options: DENY``, ``nosniff`` and no referrer; a cookie
that is not ASCII is simply not a session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
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
from fastapi.routing import APIRoute
from sqlalchemy import select, union

from catalog.dashboard.render import FORMATS, render_html, render_login
from catalog.db import Catalog
from catalog.errors import CatalogError
from catalog.kpi import (
    DEFAULT_TZ,
    LEVELS,
    RULES,
    Period,
    compute_report,
    current_period,
    load_targets,
    parse_period,
    trend_periods,
)
from catalog.kpi_db import list_agencies

SCOPE = "dashboard"
COOKIE = "sohoa_dashboard"
CSRF_COOKIE = "sohoa_csrf"
API_KEY_HEADER = "X-API-Key"
_AGENCY_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")

SECURITY_HEADERS = {
    # No script at all; the page's own <style> and inline SVG only; forms post to this site; never framed.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the login POST
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class SecureRoute(APIRoute):
    """Every dashboard answer (pages, reports, redirects, errors) carries ``SECURITY_HEADERS`` (a subclass may
    give others: the clerk's workspace allows its own scripts)."""

    security_headers: dict[str, str] = SECURITY_HEADERS

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()
        headers = self.security_headers

        async def secured(request: Request) -> Response:
            response = await handler(request)
            for k, v in headers.items():
                response.headers.setdefault(k, v)
            return response

        return secured


class KeyLike(Protocol):
    id: str
    client: str
    agency: str
    scopes: frozenset[str]
    rate_per_minute: int | None


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
        """The key id of a valid, unexpired cookie value; None for anything else (forged, expired, not ASCII)."""
        if not value or "." not in value or not value.isascii() or len(value) > 1000:
            return None
        payload, sig = value.rsplit(".", 1)
        if not hmac.compare_digest(sig.encode(), self._sig(payload.encode()).encode()):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            expires = int(data.get("exp", 0)) if isinstance(data, dict) else 0
        except (ValueError, TypeError):
            return None
        if expires < time.time():
            return None
        return str(data.get("k") or "") or None


class LoginThrottle:
    """Failed logins allowed per client address (``per_address`` in a burst, then one every ``refill_s``) and in
    total (``overall`` per minute): past them a login is answered 429 without looking at the key, and only the
    first refusal of a burst is written to the events table."""

    def __init__(self, per_address: int = 5, refill_s: float = 60.0, overall: int = 60) -> None:
        self.per_address, self.refill_s, self.overall = per_address, refill_s, overall
        self._failures: dict[str, tuple[float, float]] = {}  # address -> (tokens, stamp)
        self._total: tuple[float, float] = (float(overall), time.monotonic())
        self._noted: set[str] = set()
        self._lock = threading.Lock()

    def _level(self, address: str, now: float) -> float:
        tokens, stamp = self._failures.get(address, (float(self.per_address), now))
        return min(float(self.per_address), tokens + (now - stamp) / self.refill_s)

    def _overall(self, now: float) -> float:
        tokens, stamp = self._total
        return min(float(self.overall), tokens + (now - stamp) * self.overall / 60.0)

    def wait(self, address: str) -> float:
        """0 when a login may be tried now, else the seconds until one may."""
        now = time.monotonic()
        with self._lock:
            mine, total = self._level(address, now), self._overall(now)
        if mine >= 1.0 and total >= 1.0:
            return 0.0
        return max((1.0 - mine) * self.refill_s if mine < 1.0 else 0.0, (1.0 - total) * 60.0 / self.overall, 1.0)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 10_000:  # bounded whatever a flood of addresses sends
                self._failures.clear()
                self._noted.clear()
            self._failures[address] = (self._level(address, now) - 1.0, now)
            self._total = (self._overall(now) - 1.0, now)

    def first_refusal(self, address: str) -> bool:
        """True once per burst of refusals of an address (the one worth an event row)."""
        with self._lock:
            if address in self._noted:
                return False
            self._noted.add(address)
            return True

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
            self._noted.discard(address)


class _Denied(Exception):
    def __init__(self, status: int, message: str, retry_after: float = 0.0) -> None:
        self.status, self.message, self.retry_after = status, message, retry_after


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
    rate_limit: Callable[[KeyLike], float] | None = None,
    login_throttle: LoginThrottle | None = None,
) -> APIRouter:
    """Build the router. ``secret`` signs session cookies (``SOHOA_DASHBOARD_SECRET``; random per process
    when unset, so sessions end when the server restarts). ``header_auth`` is the API app's own key
    dependency (``require_scope("dashboard")``): when given, a request with ``X-API-Key`` gets exactly the
    API's answers (401/403/429 in JSON, rate limit, ``request.state.key``). Figures are kept
    ``cache_seconds`` per (period, level, agency); access is checked on every request. Periods are bounded by
    midnights in ``timezone`` (the application's setting). ``rate_limit(key)`` takes one request from the key's
    rate and says how long to wait when it is spent (the API app passes its own limiter, so header and session
    requests share the key's rate; by default the router keeps one of its own). ``login_throttle`` limits failed
    logins (default: 5 per address in a burst, then one a minute; 60 a minute in all)."""
    keys = keys or ApiKeyDirectory()
    if rate_limit is None:
        from catalog.api.auth import RateLimiter

        own = RateLimiter(120)

        def rate_limit(info: KeyLike) -> float:
            return own.take(info.id, info.rate_per_minute)

    throttle = login_throttle or LoginThrottle()
    env_secret = os.environ.get("SOHOA_DASHBOARD_SECRET")
    signer = SessionSigner(
        secret or (env_secret.encode() if env_secret else secrets.token_bytes(32)), int(session_hours * 3600)
    )
    router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=True, route_class=SecureRoute)

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
        if via == "session":  # a header request was counted by the API's own dependency
            wait = rate_limit(info)
            if wait > 0:
                raise _Denied(429, "Quá nhiều yêu cầu với khóa này; vui lòng thử lại sau / too many requests", wait)
        return info, via

    def denied(request: Request, e: _Denied) -> Response:
        if e.message == "login":
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/dashboard/login?" + urlencode({"next": nxt}), status_code=303)
        headers = {"Retry-After": str(max(1, math.ceil(e.retry_after)))} if e.retry_after else None
        return HTMLResponse(_page("Không được phép", e.message), status_code=e.status, headers=headers)

    agencies_cache: dict[str, tuple[float, frozenset[str]]] = {}

    def known_agencies(catalog: Catalog) -> frozenset[str]:
        """Agencies with figures to show: registered, or named by a dossier or document (kept ``cache_seconds``)."""
        now = time.monotonic()
        hit = agencies_cache.get("all")
        if hit and hit[0] > now:
            return hit[1]
        from catalog.db import Document, Dossier
        from catalog.kpi_db import Agency

        stmt = union(select(Agency.code), select(Dossier.agency), select(Document.agency))
        with catalog.session() as s:
            found = frozenset(r for r in s.scalars(stmt) if r)
        agencies_cache["all"] = (now + cache_seconds, found)
        return found

    def params(
        catalog: Catalog, period: str | None, level: str | None, agency: str | None, rule: str | None = None
    ) -> tuple[Any, str | None, str | None]:
        rule = rule or load_targets(targets_file).report_period
        if rule not in RULES:
            raise _Denied(400, f"Cách tính kỳ không hợp lệ: {rule}")
        p = parse_period(period, timezone, rule) if period else current_period(tz=timezone, rule=rule)
        level = level or None
        if level and level not in LEVELS:
            raise _Denied(400, f"Cấp không hợp lệ: {level}")
        agency = agency or None
        if agency and (not _AGENCY_RE.match(agency) or agency not in known_agencies(catalog)):
            # checked before any figure is computed: a made-up agency must not cost a KPI computation
            raise _Denied(400, "Cơ quan không có trong danh sách / unknown agency")
        return p, level, agency

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
        period: str | None = Query(None, max_length=7, description="2026Q4 or 2026 (2026Q4s: state period)"),
        level: str | None = Query(None, max_length=10),
        agency: str | None = Query(None, max_length=20),
        rule: str | None = Query(None, max_length=10, description="calendar or state (default: the targets file)"),
    ) -> Response:
        catalog = get_catalog(request)
        csrf = _csrf_of(request)
        try:
            info, via = who(request, catalog)
            p, level, agency = params(catalog, period, level, agency, rule)
            report = report_for(catalog, p, level, agency)
        except _Denied as e:
            return denied(request, e)
        except CatalogError as e:
            return HTMLResponse(_page("Yêu cầu không hợp lệ", getattr(e, "vi", str(e))), status_code=400)
        now = current_period(tz=timezone, rule=p.rule)
        choices = [
            *(x.label for x in reversed(trend_periods(now, 8))),
            *(Period(y, tz=timezone, rule=p.rule).label for y in (now.year, now.year - 1)),
        ]
        if p.label not in choices:
            choices.insert(0, p.label)
        query = urlencode(
            {k: v for k, v in {"period": p.label, "level": level, "agency": agency, "rule": p.rule}.items() if v}
        )
        page = render_html(
            report,
            dashboard={
                "action": "/dashboard",
                "periods": choices,
                "agencies": list_agencies(catalog),
                "report_url": f"/dashboard/report?{query}",
                "logout": "/dashboard/logout" if via == "session" else None,
                "csrf": csrf if via == "session" else None,
                "who": f"{info.client} · {info.agency}",
            },
        )
        resp = HTMLResponse(page, headers={"Cache-Control": "no-store"})
        if via == "session" and csrf != request.cookies.get(CSRF_COOKIE):
            _set_csrf(resp, csrf, request)
        return resp

    @router.get("/report", summary="The quarterly report as html, csv, xlsx or json", dependencies=guarded)
    def report(
        request: Request,
        period: str | None = Query(None, max_length=7),
        level: str | None = Query(None, max_length=10),
        agency: str | None = Query(None, max_length=20),
        rule: str | None = Query(None, max_length=10),
        format: str = Query("html", pattern="^(html|csv|xlsx|json)$"),
    ) -> Response:
        catalog = get_catalog(request)
        try:
            who(request, catalog)
            p, level, agency = params(catalog, period, level, agency, rule)
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

    def login_page(request: Request, next_url: str, error: str | None = None, status: int = 200) -> HTMLResponse:
        csrf = _csrf_of(request)
        resp = HTMLResponse(
            render_login(error=error, next_url=_safe_next(next_url), csrf=csrf),
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )
        if csrf != request.cookies.get(CSRF_COOKIE):
            _set_csrf(resp, csrf, request)
        return resp

    @router.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = Query("/dashboard", max_length=500)) -> HTMLResponse:
        return login_page(request, next)

    @router.post("/login", include_in_schema=False)
    def login(
        request: Request,
        key: str = Form(..., max_length=200),
        next: str = Form("/dashboard", max_length=500),
        csrf: str = Form("", max_length=100),
    ) -> Response:
        catalog = get_catalog(request)
        if not _same_site_post(request, csrf):
            return HTMLResponse(
                _page("Không được phép", "Yêu cầu đăng nhập từ trang khác bị từ chối / cross-site login refused"),
                status_code=403,
            )
        address = request.client.host if request.client else "unknown"
        wait = throttle.wait(address)
        if wait > 0:
            if throttle.first_refusal(address):
                _record(catalog, "dashboard_login_throttled", None, request)
            msg = "Đăng nhập sai quá nhiều lần; vui lòng thử lại sau / too many failed logins, try again later"
            resp = login_page(request, next, msg, 429)
            resp.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return resp
        info = keys.by_plaintext(catalog, key.strip())
        if info is None or SCOPE not in info.scopes:
            throttle.failed(address)
            _record(catalog, "dashboard_login_failed", info, request)
            msg = "Khóa không đúng, đã bị thu hồi hoặc không có quyền dashboard."
            return login_page(request, next, msg, 401)
        throttle.succeeded(address)
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

    @router.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("", max_length=100)) -> Response:
        """A POST with the page's CSRF token: a link or an image on another site cannot log a person out."""
        if not _same_site_post(request, csrf):
            return HTMLResponse(_page("Không được phép", "Yêu cầu từ trang khác bị từ chối"), status_code=403)
        resp = RedirectResponse("/dashboard/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/dashboard")
        return resp

    return router


def _csrf_of(request: Request) -> str:
    """The browser's CSRF token (from its cookie), or a new one to set."""
    token = request.cookies.get(CSRF_COOKIE) or ""
    return token if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token) else secrets.token_urlsafe(32)


def _set_csrf(resp: Response, token: str, request: Request, path: str = "/dashboard") -> None:
    resp.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=path,
    )


def _same_site_post(request: Request, form_token: str) -> bool:
    """A form POST from this site: the form's token equals the cookie's (a page on another site can read
    neither), and neither ``Sec-Fetch-Site`` nor ``Origin`` names another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        return False  # ("null" comes from privacy settings; the token decides then)
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return (
        bool(cookie)
        and form_token.isascii()
        and cookie.isascii()
        and hmac.compare_digest(cookie.encode(), form_token.encode())
    )


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
