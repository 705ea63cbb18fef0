"""Sync with the national warehouse, for real over HTTP against the simulator on loopback: every change delivered
exactly once through failures (500, 429 with Retry-After, time-outs, answers lost after storing), order per
paper, dead letters and their retry, two senders at once, OAuth2, mutual TLS, the file by upload, look-ups in
the reuse check with a time budget, reconciliation, and the CLI."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from archive.local import LocalStore
from catalog import outbox
from catalog.db import Catalog
from pipeline.sync.config import SyncConfig
from pipeline.sync.reconcile import reconcile
from pipeline.sync.rest import RestConnector
from pipeline.sync.sender import drain
from tests.sync_data import archived_paper, start_simulator, stop

pytest_plugins = ["tests.fixtures_sync", "tests.fixtures_queue"]

FAST = dict(min_backoff_s=0.01, max_backoff_s=0.05, timeout_s=2.0, claim_s=30.0, file_transfer="none")


def cfg_for(sim, **kw) -> SyncConfig:
    return SyncConfig(url=sim.url, **{**FAST, **kw})


def drain_all(catalog, store, connector, cfg, holder="w", rounds=200) -> list:
    """Drain until nothing is due any more (retries come due after their back-off)."""
    reports = []
    for _ in range(rounds):
        reports.append(drain(catalog, store, connector, cfg, holder, rng=random.Random(1)))
        st = outbox.status(catalog).counts
        if st["pending"] == 0 and st["sending"] == 0:
            break
        time.sleep(0.05)
    return reports


def test_every_change_arrives_exactly_once_through_failures(simulator, catalog_url):
    c = Catalog(catalog_url)
    keys = [archived_paper(c, n, owner=f"0370960{n:05d}") for n in range(1, 41)]
    for k in keys[:10]:
        outbox.record(c, k, outbox.Change.EXPIRE, "validity_ended")  # a second change for some papers
    simulator.control(fail_rate=0.35, fail_mode="mixed", seed=3, timeout_s=3, retry_after=0)
    connector = RestConnector(cfg_for(simulator, max_attempts=50))
    reports = drain_all(c, None, connector, cfg_for(simulator, max_attempts=50))
    st = simulator.stats()
    assert outbox.status(c).counts == {"pending": 0, "sending": 0, "sent": 50, "dead": 0}
    assert st["received"] == st["distinct_keys"] == 50  # each change stored once, nothing lost
    injected = {k: v for k, v in st["requests"].items() if k.startswith("injected")}
    assert injected.get("injected_lost_ack") and injected.get("injected_429") and injected.get("injected_timeout")
    assert st["requests"].get("duplicate", 0) >= injected["injected_lost_ack"] > 0  # resent, taken once
    assert sum(r.duplicates for r in reports) == st["requests"]["duplicate"]
    for k in keys[:10]:  # a paper's expiry arrived after its version
        assert st["keys"].index(f"{k}:1:upsert") < st["keys"].index(f"{k}:2:expire")
    connector.close()
    c.close()


def test_retry_after_is_respected_then_dead_letter_and_retry(simulator, tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    archived_paper(c, 1)
    simulator.control(fail_rate=1.0, fail_mode="429", retry_after=30)
    cfg = cfg_for(simulator, max_attempts=2, max_backoff_s=60)
    connector = RestConnector(cfg)
    before = datetime.now(UTC)
    r = drain(c, None, connector, cfg, "w")
    assert r.retried == 1 and r.sent == 0
    with c.session() as s:
        row = s.query(outbox.OutboxRow).one()
        nxt = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=UTC)
    assert timedelta(seconds=29) <= nxt - before <= timedelta(seconds=32)  # the remote side's Retry-After
    assert drain(c, None, connector, cfg, "w").claimed == 0  # not before it is due
    with c.session() as s:
        s.query(outbox.OutboxRow).update({"next_attempt_at": before})
    simulator.control(fail_mode="500")
    assert drain(c, None, connector, cfg, "w").dead == 1  # second attempt: given up, with the reason
    st = outbox.status(c)
    assert st.counts["dead"] == 1 and st.dead[0]["error"] == "HTTP 500" and st.dead[0]["attempts"] == 2
    simulator.control(fail_rate=0.0)
    assert outbox.retry_dead(c) == 1
    assert drain(c, None, connector, cfg, "w").sent == 1 and outbox.status(c).counts["sent"] == 1
    connector.close()
    c.close()


def test_a_change_the_remote_side_refuses_is_dead_at_once(simulator, tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    key = archived_paper(c, 1)
    c.update_document(key, owner_id=None)
    outbox.record(c, key, outbox.Change.UPSERT, "review_corrected")  # no owner: the simulator answers 422
    cfg = cfg_for(simulator)
    connector = RestConnector(cfg)
    r = drain(c, None, connector, cfg, "w")  # the first change is taken; the second refused, at its first attempt
    assert (r.sent, r.dead) == (1, 1) and "HTTP 422" in outbox.status(c).dead[0]["error"]
    connector.close()
    c.close()


def test_two_senders_at_once_send_each_change_once(simulator, catalog_url):
    c = Catalog(catalog_url)
    for n in range(1, 61):
        archived_paper(c, n, owner=f"0370960{n:05d}")
    simulator.control(slow_ms=15)
    cfg = cfg_for(simulator, batch=5)
    results = []

    def sender(name: str) -> None:
        connector = RestConnector(cfg)
        results.append(drain(c, None, connector, cfg, name))
        connector.close()

    threads = [threading.Thread(target=sender, args=(f"w{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    st = simulator.stats()
    assert st["received"] == 60 and st["requests"].get("duplicate", 0) == 0
    assert sum(r.sent for r in results) == 60 and all(r.sent for r in results)  # both took their share
    c.close()


def test_oauth2_client_credentials(tmp_path, monkeypatch):
    sim = start_simulator("--client-id", "sohoa-h42", "--client-secret", "s3cret")
    try:
        c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
        archived_paper(c, 1)
        cfg = cfg_for(sim, auth="oauth2", client_id="sohoa-h42")
        bad = RestConnector(cfg, environ={"SOHOA_SYNC_CLIENT_SECRET": "wrong"})
        assert drain(c, None, bad, cfg, "w").retried == 1  # no token: nothing sent, tried again later
        with c.session() as s:
            s.query(outbox.OutboxRow).update({"next_attempt_at": datetime(2000, 1, 1, tzinfo=UTC)})
        good = RestConnector(cfg, environ={"SOHOA_SYNC_CLIENT_SECRET": "s3cret"})
        assert drain(c, None, good, cfg, "w").sent == 1
        good._token = ("expired-token", time.monotonic() + 100)  # revoked early: a 401 renews it once
        archived_paper(c, 2)
        assert drain(c, None, good, cfg, "w").sent == 1
        c.close()
    finally:
        stop(sim)


def _pki(tmp: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate (with an encrypted key)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("sohoa test CA"))
        .issuer_name(name("sohoa test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    out = {"ca": tmp / "ca.pem"}
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for who, usage in (("server", ExtendedKeyUsageOID.SERVER_AUTH), ("client", ExtendedKeyUsageOID.CLIENT_AUTH)):
        key = ec.generate_private_key(ec.SECP256R1())
        b = (
            x509.CertificateBuilder()
            .subject_name(name(f"sohoa {who}"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if who == "server":
            b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        cert = b.sign(ca_key, hashes.SHA256())
        enc = serialization.BestAvailableEncryption(b"key-pass") if who == "client" else serialization.NoEncryption()
        out[f"{who}_key"] = tmp / f"{who}.key"
        out[f"{who}_key"].write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
        )
        out[f"{who}_cert"] = tmp / f"{who}.pem"
        out[f"{who}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return out


def test_mutual_tls(tmp_path):
    pki = _pki(tmp_path)
    sim = start_simulator(
        "--tls-cert", str(pki["server_cert"]), "--tls-key", str(pki["server_key"]), "--client-ca", str(pki["ca"]),
        scheme="https", verify=False,
    )  # fmt: skip
    try:
        c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
        archived_paper(c, 1)
        base = dict(ca_file=pki["ca"])
        anonymous = cfg_for(sim, **base)
        assert drain(c, None, RestConnector(anonymous), anonymous, "w").retried == 1  # no client certificate
        with c.session() as s:
            s.query(outbox.OutboxRow).update({"next_attempt_at": datetime(2000, 1, 1, tzinfo=UTC)})
        mtls = cfg_for(sim, auth="mtls", client_cert=pki["client_cert"], client_key=pki["client_key"], **base)
        connector = RestConnector(mtls, environ={"SOHOA_SYNC_KEY_PASSWORD": "key-pass"})
        assert drain(c, None, connector, mtls, "w").sent == 1
        c.close()
    finally:
        stop(sim)


def test_the_file_travels_uploaded_when_the_store_cannot_link(simulator, tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    store = LocalStore(tmp_path / "warehouse", fsync=False)
    pdf = b"%PDF-1.7 signed copy\n%%EOF\n"
    obj = store.put("owners/037096014589/x/x.pdf", pdf, content_type="application/pdf")
    key = archived_paper(c, 1)
    c.update_document(key, pdf_key=obj.key, pdf_sha256=obj.sha256, outbox=("upsert", "review_corrected"))
    cfg = cfg_for(simulator, file_transfer="link")  # the local store gives no link: the bytes go instead
    connector = RestConnector(cfg)
    drain_all(c, store, connector, cfg)
    papers = connector.papers("037096014589")
    assert len(papers) == 1 and papers[0]["pdf_sha256"] == obj.sha256
    stored = simulator.stats()
    assert stored["received"] == 2
    connector.close()
    c.close()


def test_reconciliation_lists_what_differs(simulator, tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    for n in (1, 2, 3):
        archived_paper(c, n, owner=f"0370960{n:05d}")
    cfg = cfg_for(simulator)
    connector = RestConnector(cfg)
    drain_all(c, None, connector, cfg)
    r = reconcile(c, connector, sample=10)
    assert r.ok and r.owners == 3 and r.matching == 3
    simulator.reset()  # the national side lost everything
    r = reconcile(c, connector, sample=10)
    assert not r.ok and {d["problem"] for d in r.differences} == {"missing_remotely"} and len(r.differences) == 3
    assert all("*" in d["owner"] for d in r.differences)  # masked
    simulator.control(down=True)
    assert reconcile(c, connector, sample=10).unreachable == 3
    connector.close()
    c.close()


def test_national_papers_in_the_reuse_check_within_the_time_budget(simulator, catalog_url, tmp_path):
    from tests.api_data import CITIZEN, make_api

    api = make_api(catalog_url, tmp_path)
    cfg = cfg_for(simulator, national_lookup=True, lookup_budget_ms=300, lookup_cache_s=0)
    from pipeline.sync.national import NationalLookup

    api.client.app.state.ctx.national = NationalLookup(RestConnector(cfg), cfg)
    # the national side holds a marriage-status paper of this citizen, issued in another province
    import httpx

    body = {
        "documentCode": "000.00.00.H35-260101-0001.01",
        "ownerId": CITIZEN,
        "paperType": "KQ.G15.000061",
        "issueDate": "2026-10-01",
        "validUntil": "2027-04-01",
        "status": "archived",
        "fileSha256": "ab" * 32,
    }
    assert httpx.post(f"{simulator.url}/papers", json=body, headers={"Idempotency-Key": "other:1"}).status_code == 201
    check = {"owner_id": CITIZEN, "required_types": ["GKS", "GXNTTHN"], "on_date": "2026-11-22"}
    with api.client:
        r = api.client.post("/v1/reuse-check", json=check, headers=api.h(**{"X-Purpose": "000.00.16.H42-261122-0001"}))
        data = r.json()
        assert r.status_code == 200 and data["reusable"] == 2 and data["national"]["status"] == "ok"
        (national,) = [p for p in data["papers"] if p["document"] and p["document"]["source"] == "national"]
        assert national["type_code"] == "GXNTTHN" and national["status"] == "reusable"
        simulator.control(slow_ms=1500)  # slower than the budget: the local answer, saying so, in time
        t0 = time.monotonic()
        r = api.client.post("/v1/reuse-check", json=check, headers=api.h(**{"X-Purpose": "000.00.16.H42-261122-0001"}))
        assert time.monotonic() - t0 < 1.2
        data = r.json()
        assert data["reusable"] == 1 and data["national"]["status"] == "unavailable" and data["national"]["message"]
        simulator.control(slow_ms=0, down=True)
        assert api.client.post("/v1/reuse-check", json=check, headers=api.h()).json()["national"]["status"] == (
            "unavailable"
        )
    from catalog import audit

    rows = api.catalog.events(owner_id=CITIZEN, action=audit.REUSE_CHECK)  # every check audited, national or not
    assert [r.detail["national"]["status"] for r in rows[-3:]] == ["ok", "unavailable", "unavailable"]
    api.catalog.close()


def test_cli_status_run_retry_reconcile(simulator, home: Path, monkeypatch):
    from pipeline.cli import app

    for k, v in {
        "SOHOA_HOME": str(home),
        "SOHOA_SYNC__URL": simulator.url,
        "SOHOA_SYNC__MIN_BACKOFF_S": "0.01",
    }.items():
        monkeypatch.setenv(k, v)
    c = Catalog(f"sqlite:///{home / 'catalog.db'}")
    for n in (1, 2):
        archived_paper(c, n, owner=f"0370960{n:05d}")
    c.close()
    runner = CliRunner()
    st = json.loads(runner.invoke(app, ["sync", "status", "--json"]).stdout)
    assert st["counts"]["pending"] == 2 and st["remote"] == simulator.url
    simulator.control(fail_rate=1.0, fail_mode="500")
    monkeypatch.setenv("SOHOA_SYNC__MAX_ATTEMPTS", "1")
    r = runner.invoke(app, ["sync", "run", "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["dead"] == 2
    simulator.control(fail_rate=0.0)
    assert json.loads(runner.invoke(app, ["sync", "retry", "--json"]).stdout) == {"retried": 2}
    r = runner.invoke(app, ["sync", "run", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["sent"] == 2
    r = runner.invoke(app, ["sync", "reconcile", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["matching"] == 2


def test_workers_drain_the_outbox_exactly_once(broker_env, workers, simulator, monkeypatch):
    """Both brokers: ``sohoa sync run --queue --parallel 2`` hands the outbox to two worker processes."""
    from tests.integration.queue_helpers import cli, wait_until

    home = broker_env.home
    c = Catalog(f"sqlite:///{home / 'catalog.db'}")
    for n in range(1, 31):
        archived_paper(c, n, owner=f"0370960{n:05d}")
    simulator.control(fail_rate=0.1, fail_mode="mixed", seed=5, timeout_s=3, retry_after=0)
    extra = {
        "SOHOA_SYNC__URL": simulator.url,
        "SOHOA_SYNC__MIN_BACKOFF_S": "0.05",
        "SOHOA_SYNC__MAX_BACKOFF_S": "0.2",
        "SOHOA_SYNC__TIMEOUT_S": "1",
        "SOHOA_SYNC__MAX_ATTEMPTS": "30",
        "SOHOA_SYNC__FILE_TRANSFER": "none",
    }

    class Env:  # the broker's settings and the sync settings, for the CLI and the workers
        def env(self, **more):
            return broker_env.env(**extra, **more)

    proc = workers(Env(), processes=2)
    r = cli(Env(), "sync", "run", "--queue", "--parallel", "2")
    assert r.returncode == 0, r.stderr

    def done() -> bool:
        return outbox.status(c).counts["sent"] == 30

    wait_until(done, "the outbox sent", timeout=180, procs=[proc])
    st = simulator.stats()
    assert st["received"] == st["distinct_keys"] == 30
    c.close()
