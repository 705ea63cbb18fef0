"""A simulator of the national portal's data warehouse, for the tests, the benchmark and the demo.

    python scripts/sync_simulator.py --port 8790 [--fail-rate 0.05] [--client-id ID --client-secret S]
                                      [--tls-cert C --tls-key K --client-ca CA]

It speaks the interface of ``pipeline/sync/mapping.toml``: ``POST /papers`` (JSON, or multipart with the file;
header ``Idempotency-Key``), ``POST /papers/search``, ``POST /oauth/token`` (client credentials, when a client
is configured). It stores what it receives in memory, takes each idempotency key once (a repeat answers 200
``{"duplicate": true}``) and can be told to fail: ``POST /_control`` with ``fail_rate`` (0-1), ``fail_mode``
(``500``, ``429``, ``timeout``, ``lost_ack`` — stored but answered 500, as when an answer is lost — or
``mixed``), ``retry_after`` (seconds, with 429), ``slow_ms`` (every answer), ``down`` (every request 503),
``seed``. ``GET /_stats`` tells what it received; ``POST /_reset`` forgets everything. Not a production
component: it exists so that every path of the connector is tested for real over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import secrets
import threading
from collections import Counter
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()
        self.client_id: str | None = None
        self.client_secret: str | None = None

    def reset(self) -> None:
        self.by_key: dict[str, dict[str, Any]] = {}
        self.papers: dict[str, dict[str, Any]] = {}  # documentCode -> latest version
        self.requests: Counter[str] = Counter()
        self.tokens: set[str] = set()
        self.control: dict[str, Any] = {
            "fail_rate": 0.0,
            "fail_mode": "500",
            "retry_after": 1,
            "slow_ms": 0,
            "down": False,
        }
        self.rng = random.Random(7)


def make_app(state: State | None = None) -> FastAPI:
    st = state or State()
    app = FastAPI(title="national warehouse simulator (sohoa tests)")
    app.state.sim = st

    async def pause() -> None:
        if st.control["slow_ms"]:
            await asyncio.sleep(st.control["slow_ms"] / 1000)

    def authorised(request: Request) -> bool:
        if not st.client_id:
            return True
        auth = request.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in st.tokens

    async def injected() -> JSONResponse | None:
        """A failure, when one is due; None to go on (``lost_ack`` is decided by the caller)."""
        c = st.control
        if c["down"]:
            return JSONResponse({"error": "down"}, status_code=503)
        with st.lock:
            fail = st.rng.random() < c["fail_rate"]
            mode = c["fail_mode"] if c["fail_mode"] != "mixed" else st.rng.choice(["500", "429", "timeout", "lost_ack"])
        if not fail or mode == "lost_ack":
            return JSONResponse({"lost_ack": True}) if fail else None
        st.requests[f"injected_{mode}"] += 1
        if mode == "timeout":
            await asyncio.sleep(float(c.get("timeout_s", 30)))
            return JSONResponse({"error": "late"}, status_code=504)
        if mode == "429":
            return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": str(c["retry_after"])})
        return JSONResponse({"error": "internal"}, status_code=500)

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "client_credentials" or (
            st.client_id and (form.get("client_id") != st.client_id or form.get("client_secret") != st.client_secret)
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        t = secrets.token_urlsafe(16)
        st.tokens.add(t)
        return JSONResponse({"access_token": t, "token_type": "Bearer", "expires_in": 600})

    @app.post("/papers")
    async def receive(request: Request) -> JSONResponse:
        st.requests["send"] += 1
        await pause()
        if not authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        key = request.headers.get("Idempotency-Key")
        if not key:
            return JSONResponse({"error": "Idempotency-Key required"}, status_code=400)
        failure = await injected()
        lost_ack = failure is not None and failure.status_code == 200
        if failure is not None and not lost_ack:
            return failure
        if request.headers.get("content-type", "").startswith("multipart/"):
            form = await request.form()
            body = json.loads(str(form["metadata"]))
            data = await form["file"].read()  # type: ignore[union-attr]
            if body.get("fileSha256") and hashlib.sha256(data).hexdigest() != body["fileSha256"]:
                return JSONResponse({"error": "file does not match fileSha256"}, status_code=422)
            body["file"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        else:
            body = await request.json()
        if not body.get("documentCode") or not body.get("ownerId"):
            return JSONResponse({"error": "documentCode and ownerId are required"}, status_code=422)
        with st.lock:
            if key in st.by_key:
                st.requests["duplicate"] += 1
                return JSONResponse({"id": st.by_key[key]["id"], "duplicate": True}, status_code=200)
            rec = {"id": f"NW-{len(st.by_key) + 1:07d}", "key": key, **body}
            st.by_key[key] = rec
            if body.get("change") == "delete":
                st.papers.pop(body["documentCode"], None)
            else:
                st.papers[body["documentCode"]] = rec
            st.requests["stored"] += 1
        if lost_ack:
            st.requests["injected_lost_ack"] += 1
            return JSONResponse({"error": "answer lost"}, status_code=500)
        return JSONResponse({"id": rec["id"], "duplicate": False}, status_code=201)

    @app.post("/papers/search")
    async def search(request: Request) -> JSONResponse:
        st.requests["search"] += 1
        await pause()
        if not authorised(request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        if st.control["down"]:
            return JSONResponse({"error": "down"}, status_code=503)
        q = await request.json()
        owner, types = q.get("ownerId"), set(q.get("paperTypes") or [])
        with st.lock:
            found = [
                {k: v for k, v in p.items() if k not in ("key", "id")}
                for p in st.papers.values()
                if (p.get("ownerId") == owner or any(o.get("owner_id") == owner for o in p.get("owners") or []))
                and (not types or p.get("paperType") in types)
            ]
        return JSONResponse({"papers": found})

    @app.post("/_control")
    async def control(request: Request) -> JSONResponse:
        c = await request.json()
        if "seed" in c:
            st.rng = random.Random(int(c.pop("seed")))
        st.control.update(c)
        return JSONResponse(st.control)

    @app.get("/_stats")
    async def stats() -> JSONResponse:
        with st.lock:
            keys = list(st.by_key)
            return JSONResponse(
                {
                    "received": len(keys),
                    "distinct_keys": len(set(keys)),
                    "papers": len(st.papers),
                    "requests": dict(st.requests),
                    "keys": keys,
                }
            )

    @app.post("/_reset")
    async def reset() -> JSONResponse:
        st.reset()
        return JSONResponse({"reset": True})

    return app


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8790)
    ap.add_argument("--fail-rate", type=float, default=0.0)
    ap.add_argument("--fail-mode", default="500")
    ap.add_argument("--slow-ms", type=int, default=0)
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca", help="require client certificates signed by this CA (mutual TLS)")
    args = ap.parse_args()
    import ssl

    import uvicorn

    st = State()
    st.client_id, st.client_secret = args.client_id, args.client_secret
    st.control.update(fail_rate=args.fail_rate, fail_mode=args.fail_mode, slow_ms=args.slow_ms)
    tls: dict[str, Any] = {}
    if args.tls_cert:
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
        if args.client_ca:
            tls |= {"ssl_ca_certs": args.client_ca, "ssl_cert_reqs": ssl.CERT_REQUIRED}
    uvicorn.run(make_app(st), host=args.host, port=args.port, log_level="warning", **tls)


if __name__ == "__main__":
    main()
