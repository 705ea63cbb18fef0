"""``sohoa apikey``, ``sohoa lookup`` and ``sohoa audit``: same answers as the API, audited, keys shown once."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from catalog import audit
from catalog.db import Catalog
from pipeline.cli import app
from tests.api_data import AGENCY, CITIZEN, ON, code, make_api, seed

pytest_plugins = ["tests.fixtures_api"]


@pytest.fixture
def env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_CATALOG_URL", url)
    monkeypatch.setenv("USER", "clerk-07")
    return url


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_apikey_create_list_revoke(env):
    r = run("apikey", "create", "--agency", AGENCY, "--scopes", "lookup,download", "--client", "motcua", "--json")
    assert r.exit_code == 0, r.output
    created = json.loads(r.stdout)
    key = created["key"]
    assert key.startswith("sohoa_") and created["scopes"] == ["download", "lookup"]
    listed = json.loads(run("apikey", "list", "--json").stdout)
    assert [k["id"] for k in listed] == [created["id"]] and key not in json.dumps(listed)
    assert "motcua" in run("apikey", "list").stdout
    assert run("apikey", "revoke", created["id"]).exit_code == 0
    assert json.loads(run("apikey", "list", "--json").stdout) == []
    assert run("apikey", "revoke", "k000000000").exit_code == 10
    bad = run("apikey", "create", "--agency", AGENCY, "--scopes", "lookup,root")
    assert bad.exit_code == 3 and "root" in bad.stderr


def test_lookup_gives_the_same_answer_as_the_api(env, tmp_path):
    api = make_api(env, tmp_path)  # seeds the same catalog the CLI reads
    with api.client:
        via_api = api.client.post(
            "/v1/reuse-check",
            json={"owner_id": CITIZEN, "procedure_code": "1.000894", "on_date": ON},
            headers=api.h(),
        ).json()
    r = run("lookup", "--owner", CITIZEN, "--procedure", "1.000894", "--on", ON, "--purpose", "HS-1", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == via_api
    r = run("lookup", "--owner", CITIZEN, "--type", "GKS", "--type", "CCCD", "--on", ON, "--json")
    assert [p["status"] for p in json.loads(r.stdout)["papers"]] == ["reusable", "expired"]
    table = run("lookup", "--owner", CITIZEN, "--procedure", "1.000894", "--on", ON)
    assert code(1) in table.stdout and "1/4" in table.stdout
    docs = json.loads(run("lookup", "--owner", CITIZEN, "--json").stdout)
    assert [d["doc_code"] for d in docs["documents"]] == [code(3), code(2), code(1), code(4)]
    api.catalog.close()

    rows = audit.who_looked(Catalog(env), CITIZEN)
    cli_rows = [a for a in rows if a.via == "cli"]
    assert [a.actor for a in cli_rows] == ["clerk-07"] * 4 and cli_rows[0].purpose == "HS-1"


@pytest.mark.parametrize(
    ("args", "code_", "text"),
    [
        (["--owner", "123"], 3, "12"),
        (["--owner", CITIZEN, "--procedure", "9.9"], 3, "1.001193"),
        (["--owner", CITIZEN, "--type", "NOPE"], 3, "NOPE"),
        (["--owner", CITIZEN, "--procedure", "3.999999"], 10, "3.999999"),
        (["--owner", CITIZEN, "--type", "GKS", "--on", "22/11/2026"], 3, "YYYY-MM-DD"),
    ],
)
def test_lookup_errors(env, args, code_, text):
    r = run("lookup", *args)
    assert r.exit_code == code_ and text in r.stderr and "Traceback" not in r.output


def test_audit_shows_who_looked(env, tmp_path):
    c = Catalog(env)
    seed(c)
    c.close()
    run("lookup", "--owner", CITIZEN, "--procedure", "1.000894", "--purpose", "000.00.16.H42-261122-0042")
    api = make_api(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "o")  # an unrelated catalog: not shown
    api.catalog.close()
    rows = json.loads(run("audit", "--owner", CITIZEN, "--json").stdout)
    assert len(rows) == 1
    assert rows[0]["actor"] == "clerk-07" and rows[0]["purpose"] == "000.00.16.H42-261122-0042"
    assert rows[0]["action"] == audit.REUSE_CHECK and rows[0]["result"] == "1/4 reusable"
    table = run("audit", "--owner", CITIZEN)
    assert "clerk-07" in table.stdout and "reuse_check" in table.stdout
    assert run("audit", "--owner", "42").exit_code == 3


def test_serve_answers_and_its_access_log_is_masked(tmp_path):
    """``sohoa serve`` for real: uvicorn in a child process on a free port, stopped at the end."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    api = make_api(url, tmp_path)  # seeds the catalog and makes keys
    api.catalog.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(tmp_path / "home"), SOHOA_CATALOG_URL=url, SOHOA_LOG_LEVEL="INFO")
    log = tmp_path / "serve.log"
    with log.open("w") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port)], env=env, stdout=f, stderr=f
        )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        r = httpx.get(f"{base}/v1/owners/{CITIZEN}/documents", headers=api.h(), params={"type": "GKS"})
        assert r.status_code == 200 and r.json()["documents"][0]["doc_code"] == code(1)
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"].startswith("sohoa")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = log.read_text()
    assert "/v1/owners/037******589/documents?type=…" in text, text
    assert CITIZEN not in text
