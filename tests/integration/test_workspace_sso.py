"""Single sign-on into the workspace against an OpenID Connect provider run on loopback by the test (discovery,
authorization code with PKCE, RS256-signed ID tokens with a nonce): a bound account gets a session, an unbound
subject, a forged state and a token for another client do not."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from catalog.accounts import add_account
from catalog.db import Catalog
from pipeline.config import AppConfig, WorkspaceConfig
from pipeline.web import create_app
from tests.fixtures_dashboard import LiveServer
from tests.workspace_data import OFFICE


class Provider:
    """A minimal OpenID Connect provider: whoever ``user`` names is logged in at once."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.user = "sub-lan"
        self.audience: str | None = None  # to sign a token for another client
        self.codes: dict[str, dict] = {}
        self.app = FastAPI()
        self.url = ""
        app = self.app

        @app.get("/.well-known/openid-configuration")
        def meta() -> dict:
            return {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> dict:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        def authorize(request: Request):
            q = request.query_params
            assert q["response_type"] == "code" and q["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"], "client": q["client_id"]}
            return RedirectResponse(f"{q['redirect_uri']}?" + urlencode({"code": code, "state": q["state"]}), 302)

        @app.post("/token")
        def token(code: str = Form(...), code_verifier: str = Form(...), client_id: str = Form(...)):
            from joserfc import jwt

            grant = self.codes.pop(code, None)
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or digest != grant["challenge"] or client_id != grant["client"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.url, "aud": self.audience or client_id, "sub": self.user, "iat": now, "exp": now + 300,
                "nonce": grant["nonce"],
            }  # fmt: skip
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}


@pytest.fixture
def sso(tmp_path: Path):
    provider = Provider()
    with LiveServer(provider.app) as idp:
        provider.url = idp.url
        cfg = AppConfig(
            home=tmp_path / "home",
            workspace=WorkspaceConfig(oidc_issuer=idp.url, oidc_client_id="sohoa-workspace"),
        )
        catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
        add_account(catalog, "lan.nt", role="reviewer", agency=OFFICE, oidc_subject="sub-lan", created_by="t")
        app = create_app(cfg, catalog=catalog, workspace_secret=b"o" * 32)
        with LiveServer(app) as srv:
            yield provider, srv, catalog
        catalog.close()


def test_single_sign_on(sso):
    provider, srv, catalog = sso
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        login = browser.get(srv.url + "/workspace/login")
        assert 'id="sso"' in login.text
        r = browser.get(srv.url + "/workspace/login/sso?next=/workspace/search")
        assert r.status_code == 200 and str(r.url).endswith("/workspace/search")
        assert 'id="me">lan.nt · cán bộ kiểm tra' in r.text  # logged in as the bound account
        assert any(e.action == "login" and e.detail.get("via") == "oidc" for e in catalog.events())

    with httpx.Client(follow_redirects=True, timeout=30) as stranger:  # a subject bound to no account
        provider.user = "sub-unknown"
        r = stranger.get(srv.url + "/workspace/login/sso")
        assert r.status_code == 403 and "chưa được gắn" in r.text
        assert stranger.get(srv.url + "/workspace/review").url.path == "/workspace/login"

    with httpx.Client(follow_redirects=False, timeout=30) as forger:  # a callback without the flow's cookie
        r = forger.get(srv.url + "/workspace/login/sso/callback?code=x&state=y")
        assert r.status_code == 400

    with httpx.Client(follow_redirects=True, timeout=30) as other:  # a token made for another client
        provider.user, provider.audience = "sub-lan", "another-client"
        r = other.get(srv.url + "/workspace/login/sso")
        assert r.status_code == 401
