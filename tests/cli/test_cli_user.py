"""``sohoa user add|list|disable|reset`` through the real console entry point, and the accounts' own rules:
argon2id hashes, lock-out after repeated failures and its end, sessions ended by a reset or a disable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from catalog.accounts import (
    MAX_FAILURES,
    Account,
    LoginRefused,
    add_account,
    authenticate,
    reset_password,
    session_account,
)
from catalog.db import Catalog, utcnow
from catalog.errors import InvalidCode
from tests.integration.helpers import cli, cli_json

pytest_plugins = ["tests.fixtures_review"]


def cli_stdin(home: Path, stdin: str, *args: str, session: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)
    env["SOHOA_SESSION_FILE"] = str(session or home / "session.json")
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_user_commands(tmp_path: Path):
    home = tmp_path / "home"
    rc, made = cli_json(
        home, "user", "add", "lan.nt", "--role", "reviewer", "--display-name", "Nguyễn Thị Lan", "--json"
    )
    assert rc == 0 and made["role"] == "reviewer" and made["agency"] == "000.00.00.H42" and len(made["password"]) >= 16
    p = cli_stdin(home, "mat-khau-rat-dai\n", "user", "add", "an.tv", "--role", "supervisor", "--password-stdin")
    assert p.returncode == 0, p.stderr
    assert cli(home, "user", "add", "an.tv").returncode != 0  # exists already
    assert cli(home, "user", "add", "x", "--role", "boss").returncode != 0  # name too short, role unknown
    short = cli_stdin(home, "ngan\n", "user", "add", "minh.lv", "--password-stdin")
    assert short.returncode != 0 and "10" in (short.stdout + short.stderr)
    listed = json.loads(cli(home, "user", "list", "--json", check=True).stdout)
    assert [a["name"] for a in listed] == ["an.tv", "lan.nt"] and "password" not in json.dumps(listed)
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    try:
        with catalog.session() as s:
            stored = s.get(Account, "an.tv").password_hash
        assert stored.startswith("$argon2id$") and "mat-khau" not in stored
        assert authenticate(catalog, "an.tv", "mat-khau-rat-dai").role == "supervisor"
        assert cli(home, "user", "disable", "an.tv", "--operator", "admin").returncode == 0
        with pytest.raises(LoginRefused):
            authenticate(catalog, "an.tv", "mat-khau-rat-dai")
        rc, reset = cli_json(home, "user", "reset", "an.tv", "--json")
        assert rc == 0 and not reset["disabled"]
        assert authenticate(catalog, "an.tv", reset["password"]).name == "an.tv"
        actions = [e.action for e in catalog.events() if e.action.startswith("account_")]
        assert actions == ["account_created", "account_created", "account_disabled", "account_reset"]
    finally:
        catalog.close()


def test_lock_out_and_sessions(review_catalog: Catalog):
    c = review_catalog
    a = add_account(c, "hoa.pt", role="clerk", agency="000.00.16.H42", password="mot-mat-khau-dai", created_by="t")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginRefused):
            authenticate(c, "hoa.pt", "sai-mat-khau")
    assert authenticate(c, "hoa.pt", "mot-mat-khau-dai").name == "hoa.pt"  # a success clears the count
    for _ in range(MAX_FAILURES):
        with pytest.raises(LoginRefused):
            authenticate(c, "hoa.pt", "sai-mat-khau")
    with pytest.raises(LoginRefused) as locked:
        authenticate(c, "hoa.pt", "mot-mat-khau-dai")  # the right password, but locked
    assert locked.value.locked_until is not None
    with c.session() as s:  # the lock has run out
        s.execute(update(Account).where(Account.name == "hoa.pt").values(locked_until=utcnow() - timedelta(seconds=1)))
    assert authenticate(c, "hoa.pt", "mot-mat-khau-dai").name == "hoa.pt"
    with pytest.raises(LoginRefused):
        authenticate(c, "nobody", "mot-mat-khau-dai")
    assert session_account(c, "hoa.pt", a.generation) is not None
    reset_password(c, "hoa.pt", by="t", password="mat-khau-moi-dai")
    assert session_account(c, "hoa.pt", a.generation) is None  # a reset ends the sessions made before it
    with pytest.raises(InvalidCode):
        add_account(c, "kim", role="clerk", agency="H42", password="mot-mat-khau-dai", created_by="t")


def test_cli_login_makes_the_account_the_operator(tmp_path: Path):
    home = tmp_path / "home"
    session = tmp_path / "cfg" / "session.json"

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return cli_stdin(home, stdin, *args, session=session)

    assert (
        run("user", "add", "lan.nt", "--role", "supervisor", "--password-stdin", stdin="mat-khau-rat-dai\n").returncode
        == 0
    )
    assert run("user", "login", "lan.nt", "--password-stdin", stdin="sai-mat-khau-roi\n").returncode != 0
    assert not session.exists()
    p = run("user", "login", "lan.nt", "--password-stdin", stdin="mat-khau-rat-dai\n")
    assert p.returncode == 0, p.stderr
    assert oct(session.stat().st_mode & 0o777) == "0o600" and "lan.nt" not in session.read_text()
    assert json.loads(run("user", "whoami", "--json").stdout)["name"] == "lan.nt"
    # the account is the operator of what the command line does; another name is refused
    made = run("apikey", "create", "--agency", "000.00.16.H42", "--json")
    assert made.returncode == 0, made.stderr
    listed = json.loads(run("apikey", "list", "--json").stdout)
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    try:
        from catalog.apikeys import ApiKey

        with catalog.session() as s:
            assert s.get(ApiKey, listed[0]["id"]).created_by == "lan.nt"
    finally:
        catalog.close()
    refused = run("apikey", "create", "--agency", "000.00.16.H42", "--operator", "someone-else")
    assert refused.returncode != 0 and "lan.nt" in refused.stderr
    # a reset ends the command line's session too
    assert run("user", "reset", "lan.nt", "--operator", "lan.nt").returncode == 0
    assert json.loads(run("user", "whoami", "--json").stdout) is None
    assert run("apikey", "create", "--agency", "000.00.16.H42", "--operator", "someone-else").returncode == 0
    assert run("user", "logout").returncode == 0
