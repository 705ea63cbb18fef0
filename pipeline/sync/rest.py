"""``RestConnector``: the national warehouse over REST/JSON (httpx), configured by ``[sync]``.

* Auth: none, OAuth2 client credentials (a bearer token fetched from ``token_url`` and renewed before it
  expires, or when a request gets 401), or mutual TLS with a client certificate.
* Sending: ``POST <url><endpoints.send>`` with the paper in the remote side's names (``mapping.toml``) and the
  header ``Idempotency-Key`` — the remote side takes each change once however often it comes. The signed file
  travels as a signed link (``file.url``) or uploaded with the paper (multipart: ``metadata`` + ``file``).
* Look-ups: ``POST <url><endpoints.search>`` with the owner in the body (an ID number never goes in a URL).
  The lookup API's are made with aiohttp: a reuse check pays the client's CPU on every request, and aiohttp
  costs a quarter of what httpx does (0.18 against 0.72 ms per request, measured on loopback); sending, which
  runs in workers at the pace of the remote side, uses httpx.

What it logs carries no ID number and no name: a paper is named by its idempotency key's document hash prefix.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
from collections.abc import Mapping as EnvMapping
from typing import Any

import httpx

from pipeline.errors import ConfigError
from pipeline.sync.config import CLIENT_SECRET_ENV, KEY_PASSWORD_ENV, SyncConfig
from pipeline.sync.connector import FileRef, RemoteUnavailable, SendResult
from pipeline.sync.mapping import Mapping, load_mapping

RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def _tls(cfg: SyncConfig, environ: EnvMapping[str, str]) -> ssl.SSLContext | bool:
    if cfg.auth != "mtls" and cfg.ca_file is None:
        return True
    ctx = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
    if cfg.auth == "mtls":
        if not cfg.client_cert or not cfg.client_key:
            raise ConfigError(
                "sync.auth = mtls needs sync.client_cert and sync.client_key",
                "sync.auth = mtls cần sync.client_cert và sync.client_key",
            )
        ctx.load_cert_chain(str(cfg.client_cert), str(cfg.client_key), environ.get(KEY_PASSWORD_ENV) or None)
    return ctx


def _retry_after(r: httpx.Response) -> float | None:
    v = r.headers.get("Retry-After")
    if not v:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        return None


class RestConnector:
    def __init__(
        self, cfg: SyncConfig, mapping: Mapping | None = None, environ: EnvMapping[str, str] | None = None
    ) -> None:
        if not cfg.url:
            raise ConfigError("sync.url is not set", "chưa đặt sync.url")
        env = os.environ if environ is None else environ
        self.cfg = cfg
        self.mapping = mapping or load_mapping(cfg.mapping)
        self.base = cfg.url.rstrip("/")
        self._verify = _tls(cfg, env)
        self._secret = env.get(CLIENT_SECRET_ENV)
        if cfg.auth == "oauth2" and (not cfg.client_id or not self._secret):
            raise ConfigError(
                f"sync.auth = oauth2 needs sync.client_id and {CLIENT_SECRET_ENV}",
                f"sync.auth = oauth2 cần sync.client_id và {CLIENT_SECRET_ENV}",
            )
        self.client = httpx.Client(timeout=cfg.timeout_s, verify=self._verify)
        self._session = None  # aiohttp.ClientSession of the event loop that looks papers up
        self._token: tuple[str, float] | None = None
        self._token_lock = threading.Lock()

    # --- auth ------------------------------------------------------------------------------------
    def _bearer(self, renew: bool = False) -> dict[str, str]:
        if self.cfg.auth != "oauth2":
            return {}
        with self._token_lock:
            if renew or self._token is None or self._token[1] < time.monotonic():
                url = self.cfg.token_url or f"{self.base}/oauth/token"
                data = {"grant_type": "client_credentials", "client_id": self.cfg.client_id or ""}
                data["client_secret"] = self._secret or ""
                if self.cfg.scope:
                    data["scope"] = self.cfg.scope
                try:
                    r = self.client.post(url, data=data)
                except httpx.HTTPError as e:
                    raise RemoteUnavailable(f"token endpoint unreachable: {type(e).__name__}") from e
                if r.status_code != 200:
                    raise RemoteUnavailable(f"token endpoint answered {r.status_code}")
                body = r.json()
                life = float(body.get("expires_in") or 300)
                self._token = (str(body["access_token"]), time.monotonic() + max(10.0, life - 30))
            return {"Authorization": f"Bearer {self._token[0]}"}

    # --- sending ---------------------------------------------------------------------------------
    def send(self, paper: dict[str, Any], idempotency_key: str, file: FileRef | None) -> SendResult:
        body = self.mapping.to_remote(paper)
        if file is not None and file.url:
            body["file"] = {"url": file.url, "sha256": file.sha256}
        url = self.base + self.mapping.endpoints["send"]
        for renew in (False, True):
            try:
                headers = {"Idempotency-Key": idempotency_key, **self._bearer(renew)}
                if file is not None and file.data is not None:
                    r = self.client.post(
                        url,
                        headers=headers,
                        data={"metadata": json.dumps(body, ensure_ascii=False)},
                        files={"file": (file.name, file.data, "application/pdf")},
                    )
                else:
                    r = self.client.post(url, headers=headers, json=body)
            except (httpx.TimeoutException, httpx.TransportError) as e:
                return SendResult("retry", error=f"{type(e).__name__}")
            except RemoteUnavailable as e:
                return SendResult("retry", error=str(e))
            if r.status_code == 401 and self.cfg.auth == "oauth2" and not renew:
                continue  # the token ran out early: renew it once
            break
        if r.status_code in (200, 201, 202):
            answer = _json(r)
            dup = bool(answer.get("duplicate")) or (r.status_code == 200 and answer.get("created") is False)
            ref = answer.get("id") or answer.get("ref")
            return SendResult("duplicate" if dup else "sent", remote_ref=str(ref) if ref else None)
        if r.status_code in RETRY_STATUSES:
            return SendResult("retry", retry_after=_retry_after(r), error=f"HTTP {r.status_code}")
        return SendResult("refused", error=f"HTTP {r.status_code}: {_json(r).get('error', '')}"[:300])

    # --- look-ups --------------------------------------------------------------------------------
    def papers(self, owner_id: str, type_codes: list[str] | None = None) -> list[dict[str, Any]]:
        try:
            r = self.client.post(
                self.base + self.mapping.endpoints["search"],
                headers=self._bearer(),
                json=self.mapping.search_body(owner_id, type_codes),
            )
        except httpx.HTTPError as e:
            raise RemoteUnavailable(f"national warehouse unreachable: {type(e).__name__}") from e
        return self._answer(r)

    async def papers_async(self, owner_id: str, type_codes: list[str] | None = None) -> list[dict[str, Any]]:
        import aiohttp

        if self._session is None:
            ssl_arg = self._verify if isinstance(self._verify, ssl.SSLContext) else None
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.cfg.timeout_s),
                connector=aiohttp.TCPConnector(ssl=ssl_arg, limit=100),
            )
        try:
            headers = await self._bearer_async()
            async with self._session.post(
                self.base + self.mapping.endpoints["search"],
                headers=headers,
                json=self.mapping.search_body(owner_id, type_codes),
            ) as r:
                if r.status != 200:
                    raise RemoteUnavailable(
                        f"national warehouse answered {r.status}", f"kho quốc gia trả lời {r.status}"
                    )
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            raise RemoteUnavailable(f"national warehouse unreachable: {type(e).__name__}") from e
        return [self.mapping.from_remote(p) for p in (data or {}).get("papers", [])]

    async def _bearer_async(self) -> dict[str, str]:
        """The bearer token for a look-up; fetching a new one runs in a thread so the event loop goes on."""
        if self.cfg.auth != "oauth2":
            return {}
        if self._token is not None and self._token[1] >= time.monotonic():
            return {"Authorization": f"Bearer {self._token[0]}"}
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self._bearer)

    def _answer(self, r: httpx.Response) -> list[dict[str, Any]]:
        if r.status_code != 200:
            raise RemoteUnavailable(
                f"national warehouse answered {r.status_code}", f"kho quốc gia trả lời {r.status_code}"
            )
        return [self.mapping.from_remote(p) for p in _json(r).get("papers", [])]

    async def aclose(self) -> None:
        """Close the look-ups' client, in the event loop that used it."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def close(self) -> None:
        self.client.close()


def _json(r: httpx.Response) -> dict[str, Any]:
    try:
        data = r.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def open_connector(cfg: SyncConfig, environ: EnvMapping[str, str] | None = None) -> RestConnector | None:
    """The configured connector, or None when no national side is configured."""
    return RestConnector(cfg, environ=environ) if cfg.enabled else None
