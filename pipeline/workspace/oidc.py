"""Login through the province's single sign-on (OpenID Connect), as a configured alternative to passwords.

The authorization-code flow with PKCE (authlib's OAuth2 client over httpx): ``/workspace/login/sso`` sends the
browser to the provider with a fresh ``state`` and ``nonce`` (kept in a signed, HttpOnly cookie that lives ten
minutes); ``/workspace/login/sso/callback`` checks the state, exchanges the code for tokens and verifies the ID
token (signature against the provider's published keys, issuer, audience, expiry, nonce — joserfc). The token's
subject (``sub``) must be bound to an enabled account (``sohoa user add NAME --oidc-subject SUB``): single
sign-on proves who the person is, the account says what the person may do here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from typing import Any

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from catalog.accounts import by_oidc_subject, record_login
from catalog.dashboard.router import SessionSigner
from pipeline.workspace.core import PREFIX, Denied, Workspace, safe_next

FLOW_COOKIE = "sohoa_oidc"
FLOW_PATH = f"{PREFIX}/login/sso"
FLOW_SECONDS = 600
METADATA_SECONDS = 3600


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        *,
        redirect_url: str | None = None,
        scopes: str = "openid profile",
        http: httpx.Client | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_url, self.scopes = redirect_url, scopes
        self.http = http or httpx.Client(timeout=10.0)
        self._meta: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, Any] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: Any) -> OidcClient:
        """From ``AppConfig.workspace``; the client secret from ``SOHOA_OIDC_CLIENT_SECRET``."""
        if not cfg.oidc_client_id:
            raise ValueError("workspace.oidc_client_id is needed with workspace.oidc_issuer")
        return cls(
            cfg.oidc_issuer,
            cfg.oidc_client_id,
            os.environ.get("SOHOA_OIDC_CLIENT_SECRET"),
            redirect_url=cfg.oidc_redirect_url,
            scopes=cfg.oidc_scopes,
        )

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._meta and self._meta[0] > time.monotonic():
                return self._meta[1]
        r = self.http.get(f"{self.issuer}/.well-known/openid-configuration")
        r.raise_for_status()
        meta = r.json()
        if meta.get("issuer", "").rstrip("/") != self.issuer:
            raise ValueError(f"the provider names another issuer: {meta.get('issuer')!r}")
        with self._lock:
            self._meta = (time.monotonic() + METADATA_SECONDS, meta)
        return meta

    def keys(self, refresh: bool = False):
        from joserfc.jwk import KeySet

        with self._lock:
            if not refresh and self._keys and self._keys[0] > time.monotonic():
                return self._keys[1]
        r = self.http.get(self.metadata()["jwks_uri"])
        r.raise_for_status()
        ks = KeySet.import_key_set(r.json())
        with self._lock:
            self._keys = (time.monotonic() + METADATA_SECONDS, ks)
        return ks

    def _oauth(self, redirect_uri: str):
        from authlib.integrations.httpx_client import OAuth2Client

        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post" if self.client_secret else "none",
            timeout=10.0,
        )

    def start(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """The provider's URL to send the browser to, and what the callback must find again."""
        from authlib.common.security import generate_token

        state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), generate_token(64)
        with self._oauth(redirect_uri) as oauth:
            url, _ = oauth.create_authorization_url(
                self.metadata()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
            )
        return url, {"state": state, "nonce": nonce, "verifier": verifier}

    def finish(self, redirect_uri: str, code: str, flow: dict[str, str]) -> dict[str, Any]:
        """The verified claims of the ID token the code is exchanged for."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        with self._oauth(redirect_uri) as oauth:
            token = oauth.fetch_token(
                self.metadata()["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=flow["verifier"],
            )
        raw = token.get("id_token")
        if not raw:
            raise ValueError("the provider gave no ID token")
        algs = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        algs = [a for a in algs if a != "none"]
        try:
            decoded = jwt.decode(raw, self.keys(), algorithms=algs)
        except JoseError:  # a key rolled over since we read them
            decoded = jwt.decode(raw, self.keys(refresh=True), algorithms=algs)
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": flow["nonce"]},
        )
        registry.validate(claims)
        return claims


def add_oidc_routes(router: APIRouter, ws: Workspace) -> None:
    client: OidcClient = ws.oidc
    # a key of its own: a flow cookie is never taken for a session
    flows = SessionSigner(hmac.new(ws.signer.secret, b"oidc-flow", hashlib.sha256).digest(), FLOW_SECONDS)

    def callback_url(request: Request) -> str:
        return client.redirect_url or str(request.url_for("oidc_callback"))

    @router.get("/login/sso")
    def sso_start(request: Request, next: str = Query(PREFIX, max_length=500)) -> Response:
        try:
            url, flow = client.start(callback_url(request))
        except (httpx.HTTPError, ValueError, KeyError) as e:
            raise Denied(
                502, f"Không kết nối được hệ thống đăng nhập một lần: {e}", f"single sign-on unreachable: {e}"
            ) from e
        resp = RedirectResponse(url, status_code=303)
        resp.set_cookie(
            FLOW_COOKIE,
            flows.dumps(json.dumps({**flow, "next": safe_next(next)})),
            max_age=FLOW_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path=FLOW_PATH,
        )
        return resp

    @router.get("/login/sso/callback", name="oidc_callback")
    def sso_callback(
        request: Request,
        code: str = Query("", max_length=2000),
        state: str = Query("", max_length=200),
        error: str = Query("", max_length=200),
    ) -> Response:
        raw = flows.loads(request.cookies.get(FLOW_COOKIE))
        flow = json.loads(raw) if raw else None
        if not flow or not state or not secrets.compare_digest(state, flow.get("state", "")):
            raise Denied(400, "Phiên đăng nhập một lần không hợp lệ hoặc đã hết hạn", "invalid or expired SSO flow")
        if error or not code:
            raise Denied(401, f"Hệ thống đăng nhập một lần từ chối: {error}", f"single sign-on refused: {error}")
        try:
            claims = client.finish(callback_url(request), code, flow)
        except Exception as e:  # a bad token, a provider that went away: no session, say why
            raise Denied(
                401, f"Không xác minh được đăng nhập một lần: {type(e).__name__}", f"SSO not verified: {e}"
            ) from e
        catalog = ws.get_catalog(request)
        account = by_oidc_subject(catalog, str(claims["sub"]))
        if account is None:
            catalog.record_event("login_failed", "anonymous", detail={"via": "oidc", "reason": "no account"})
            raise Denied(
                403,
                "Người dùng này chưa được gắn với tài khoản nào của màn hình làm việc (sohoa user add --oidc-subject).",
                "this single sign-on user has no workspace account",
            )
        record_login(catalog, account, "oidc")
        resp = RedirectResponse(flow.get("next") or PREFIX, status_code=303)
        resp.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
        ws.session_cookie(resp, request, account)
        return resp
