"""What every workspace page shares: the account of the request (a signed session cookie), CSRF on every POST,
security headers, the templates, and the refusals (a login page for no session, 403 for a role or an office the
account lacks).

The session and CSRF machinery is the dashboard's (``catalog.dashboard.router``, issue 23): the same signed,
HttpOnly cookie format (holding ``<account>:<generation>`` and an expiry), the same double-submit CSRF token in a
``SameSite=Strict`` cookie checked with the request's ``Origin``/``Sec-Fetch-Site``, the same login throttle per
client address. The Content-Security-Policy allows the workspace's own scripts and styles only (no inline
script, no other site), and no framing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import ColumnElement

from catalog.accounts import AccountInfo, session_account
from catalog.dashboard.router import (
    CSRF_COOKIE,
    LoginThrottle,
    SecureRoute,
    SessionSigner,
    _csrf_of,
    _same_site_post,
    _set_csrf,
)
from catalog.db import Catalog
from pipeline.workspace.i18n import LANGS, date_filters, reason_text, status_name, translator

PREFIX = "/workspace"
COOKIE = "sohoa_workspace"
LANG_COOKIE = "sohoa_lang"
HERE = Path(__file__).parent

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class WorkspaceRoute(SecureRoute):
    security_headers = SECURITY_HEADERS


class Denied(Exception):
    """A refusal: ``login`` sends the browser to the login page; otherwise an error page with ``status``."""

    def __init__(self, status: int, vi: str, en: str = "", *, login: bool = False) -> None:
        super().__init__(en or vi)
        self.status, self.vi, self.en, self.login = status, vi, en or vi, login


@dataclass
class Workspace:
    """Built once per app by ``workspace_router``."""

    get_catalog: Callable[[Request], Catalog]
    get_ctx: Callable[[Request], Any]  # the API's ApiContext: doc types, store, audit writer
    timezone: str
    templates_cfg: Any = None  # catalog.codes.CodeTemplates of the installation
    quarantine_dir: Path | None = None
    retry: Callable[..., None] | None = None  # (batch id, item ids, account): pipeline.workspace.retry.Retrier
    launcher: Any = None  # pipeline.workspace.batch_start.Launcher: starts batches (folder, upload, resplit)
    oidc: Any = None  # pipeline.workspace.oidc.OidcClient when single sign-on is configured
    session_hours: float = 10.0
    secret: bytes | None = None
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    def __post_init__(self) -> None:
        env_secret = os.environ.get("SOHOA_WORKSPACE_SECRET")
        key = self.secret or (env_secret.encode() if env_secret else secrets.token_bytes(32))
        self.signer = SessionSigner(key, int(self.session_hours * 3600))
        self.env = Environment(
            loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]), trim_blocks=True
        )
        fmt_date, fmt_time = date_filters(self.timezone)
        self.env.filters["d"] = fmt_date
        self.env.filters["dt"] = fmt_time

    # --- who is asking ---------------------------------------------------------------------------
    def account(self, request: Request) -> AccountInfo | None:
        raw = self.signer.loads(request.cookies.get(COOKIE))
        if not raw or ":" not in raw:
            return None
        name, _, gen = raw.rpartition(":")
        if not gen.isdigit():
            return None
        return session_account(self.get_catalog(request), name, int(gen))

    def require(self, request: Request, role: str = "clerk") -> AccountInfo:
        a = self.account(request)
        if a is None:
            raise Denied(401, "Cần đăng nhập", "login required", login=True)
        if not a.at_least(role):
            raise Denied(
                403,
                f"Tài khoản {a.name} ({a.role}) không có quyền này; cần vai trò {role} trở lên.",
                f"account {a.name} ({a.role}) may not do this; it needs the {role} role or above",
            )
        request.state.account = a
        return a

    def require_office(self, account: AccountInfo, agency: str | None) -> None:
        if not account.sees_agency(agency):
            raise Denied(
                403,
                "Tài liệu này thuộc cơ quan khác, ngoài phạm vi của tài khoản.",
                "this belongs to another office, outside the account's reach",
            )

    def check_post(self, request: Request, token: str | None) -> None:
        """A state-changing request must come from a workspace page (CSRF token, same origin)."""
        token = token or request.headers.get("x-csrf-token") or ""
        if not _same_site_post(request, token):
            raise Denied(403, "Yêu cầu từ trang khác bị từ chối (CSRF).", "cross-site request refused (CSRF)")

    def session_cookie(self, resp: Response, request: Request, account: AccountInfo) -> None:
        resp.set_cookie(
            COOKIE,
            self.signer.dumps(f"{account.name}:{account.generation}"),
            max_age=self.signer.max_age,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path=PREFIX,
        )

    # --- pages -----------------------------------------------------------------------------------
    def lang(self, request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "vi")
        return lang if lang in LANGS else "vi"

    def render(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = self.lang(request)
        csrf = _csrf_of(request)
        account = getattr(request.state, "account", None)
        page = self.env.get_template(name).render(
            t=translator(lang),
            lang=lang,
            csrf=csrf,
            me=account,
            path=request.url.path,
            status_name=lambda s: status_name(s, lang),
            reason_text=lambda r: reason_text(r, lang),
            **ctx,
        )
        resp = HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
        if csrf != request.cookies.get(CSRF_COOKIE):
            _set_csrf(resp, csrf, request, PREFIX)
        return resp

    def denied(self, request: Request, e: Denied) -> Response:
        if e.login:
            nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            resp: Response = RedirectResponse(f"{PREFIX}/login?" + urlencode({"next": nxt}), status_code=303)
        else:
            lang = self.lang(request)
            resp = self.render(
                request, "error.html", status=e.status, message=e.en if lang == "en" else e.vi, code=e.status
            )
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        return resp


def agency_clause(account: AccountInfo, column: Any) -> ColumnElement[bool] | None:
    """The offices an account sees, as a condition on an agency column (None: all of them)."""
    if account.role == "admin":
        return None
    if account.role == "supervisor":
        return column.like(f"%.{account.province}")
    return column == account.agency


def safe_next(url: str | None) -> str:
    """Only redirect inside the workspace (no open redirect)."""
    url = url or PREFIX
    return url if url.startswith(PREFIX) and "//" not in url and "\\" not in url else PREFIX
