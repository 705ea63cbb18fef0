"""API-key authentication, scopes and per-key rate limits, as FastAPI dependencies.

Every protected route depends on ``require_scope("<scope>")``: no key → 401, unknown or revoked key → 401,
key without the scope → 403, key over its rate → 429 with ``Retry-After``. The verified key is put on
``request.state.key`` (a ``KeyInfo``: id, client, agency, scopes) for auditing.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request, Security
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from catalog.apikeys import SCOPES, KeyInfo, authenticate, hash_key

API_KEY_HEADER = "X-API-Key"
api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    scheme_name="ApiKey",
    description="Khóa API của hệ thống gọi / the calling system's API key (`sohoa apikey create`).",
)


class ApiError(Exception):
    """An answer other than 2xx, with a machine-readable code and messages in Vietnamese and English."""

    def __init__(
        self, status: int, code: str, en: str, vi: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(en)
        self.status, self.code, self.en, self.vi, self.headers = status, code, en, vi or en, headers or {}


class KeyCache:
    """Verified keys, remembered for ``ttl`` seconds by the hash of the plaintext (never the plaintext)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._items: dict[str, tuple[float, KeyInfo | None]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[bool, KeyInfo | None]:
        if self.ttl <= 0:
            return False, None
        with self._lock:
            hit = self._items.get(digest)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, digest: str, info: KeyInfo | None) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._items) > 10_000:  # bounded: unknown keys sent in a flood must not grow memory
                self._items.clear()
            self._items[digest] = (time.monotonic() + self.ttl, info)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token bucket per key: ``rate`` requests per minute sustained, bursts up to ``rate``.

    Counted in each server process; with ``processes`` uvicorn workers sharing one socket (the kernel spreads
    connections about evenly) each process allows its share, so a key's total stays near its limit.
    """

    def __init__(self, default_per_minute: int, processes: int = 1) -> None:
        self.default = default_per_minute
        self.processes = max(1, processes)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, per_minute: int | None) -> float:
        """0 when allowed, else the seconds to wait before the next request would be."""
        rate = max(1, math.ceil((per_minute or self.default) / self.processes))
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(key_id)
            if b is None:
                b = self._buckets[key_id] = _Bucket(float(rate), now)
            b.tokens = min(float(rate), b.tokens + (now - b.stamp) * rate / 60.0)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) * 60.0 / rate


async def _record_denied(ctx, info: KeyInfo, scope: str, owner: str | None, purpose: str | None) -> None:
    """A known key reaching for a person's papers outside its scope is worth a row in that person's trail."""
    from catalog import audit
    from catalog.codes import is_enterprise_code, is_personal_id

    if not owner or not (is_personal_id(owner) or is_enterprise_code(owner)):
        return
    row = audit.access_row(
        audit.DENIED,
        actor=f"key:{info.id}",
        agency=info.agency,
        owner_id=owner,
        purpose=purpose,
        result=f"403 scope '{scope}' missing",
        via="api",
        client=info.client,
    )
    await ctx.audit.write_async(row)


async def authorize(
    ctx, api_key: str | None, scope: str, *, owner: str | None = None, purpose: str | None = None
) -> KeyInfo:
    """The key's ``KeyInfo`` when it is active, holds ``scope`` and is within its rate; else ``ApiError`` (401,
    403 — recorded in ``owner``'s trail when the request names one — or 429). Used by ``require_scope`` and by
    the reuse check's hot path (``catalog.api.reuse``)."""
    if not api_key:
        raise ApiError(
            401,
            "missing_api_key",
            f"send an API key in the {API_KEY_HEADER} header",
            f"thiếu khóa API trong tiêu đề {API_KEY_HEADER}",
            {"WWW-Authenticate": API_KEY_HEADER},
        )
    digest = hash_key(api_key)
    found, info = ctx.keys.get(digest)
    if not found:
        info = await run_in_threadpool(authenticate, ctx.catalog, api_key)
        ctx.keys.put(digest, info)
    if info is None:
        raise ApiError(
            401,
            "invalid_api_key",
            "the API key is unknown or revoked",
            "khóa API không đúng hoặc đã bị thu hồi",
            {"WWW-Authenticate": API_KEY_HEADER},
        )
    if scope not in info.scopes:
        await _record_denied(ctx, info, scope, owner, purpose)
        raise ApiError(
            403,
            "scope_denied",
            f"this API key may not use '{scope}'",
            f"khóa API này không có quyền '{scope}'",
        )
    wait = ctx.limiter.take(info.id, info.rate_per_minute)
    if wait > 0:
        ctx.metrics.rate_limited.inc()
        raise ApiError(
            429,
            "rate_limited",
            "too many requests for this API key; slow down",
            "quá nhiều yêu cầu với khóa API này; vui lòng giảm tần suất",
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return info


def require_scope(scope: str) -> Callable:
    """Dependency that admits a request only with an active key holding ``scope`` and within its rate."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    async def dependency(request: Request, api_key: str | None = Security(api_key_header)) -> KeyInfo:
        from catalog.api.app import get_context

        info = await authorize(
            get_context(request),
            api_key,
            scope,
            owner=request.path_params.get("owner_id"),
            purpose=request.headers.get("X-Purpose"),
        )
        request.state.key = info
        return info

    dependency.__name__ = f"require_scope_{scope}"
    return dependency
