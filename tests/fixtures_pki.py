"""A real PKI on loopback for the signing tests, and a SoftHSM2 token.

``loopback_pki`` (session): certomancer generates a root CA, an intermediate CA with an OCSP responder,
the agency's signing certificate, a revoked signing certificate and two timestamp authorities (one whose
certificate expires in 30 days, to exercise renewal), and serves the TSAs, OCSP and CRLs over HTTP on a
free loopback port for the whole session; the server is stopped at the end.

``softhsm_token`` (session): a SoftHSM2 token in a temporary folder (``SOFTHSM2_CONF``), holding the
loopback signer's key (non-extractable) and certificate. PIN is in ``SOFTHSM_PIN``.

``sohoa_cli`` / ``sohoa_cli_json``: run a ``sohoa`` command in process (typer's runner, a second
instead of a new interpreter) with ``SOHOA_HOME`` set.

Load with ``pytest_plugins = ["tests.fixtures_pki"]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing.config import SOFTHSM2_MODULE, SigningConfig
from tests.servers import unavailable

ARCH = "sohoa-test"
P12_PASSWORD = b"loopback-secret"
SOFTHSM_PIN = "1234"
TOKEN_LABEL = "sohoa-test"
KEY_LABEL = "agency-signer"


@dataclass(frozen=True)
class LoopbackPki:
    base_url: str
    tsa_url: str
    """TSA whose certificate is valid for years."""
    short_tsa_url: str
    """TSA whose certificate expires in 30 days (renewal must replace its timestamps)."""
    root_pem: Path
    chain_pem: Path
    """The intermediate CA (issuer of the signing certificates)."""
    signer_p12: Path
    revoked_p12: Path
    signer_key: rsa.RSAPrivateKey
    signer_cert_der: bytes
    interm_cert_der: bytes
    p12_password: str = P12_PASSWORD.decode()
    expired_p12: Path | None = None
    """A signer whose certificate expired ten days ago (electronic originals: issue 19)."""

    def config(self, level: str = "B-LT", **kw) -> SigningConfig:
        """Signing config for the loopback signer (PKCS#12, passphrase in SOHOA_SIGNING_PASSPHRASE)."""
        values = {
            "backend": "pkcs12",
            "pkcs12_path": self.signer_p12,
            "level": level,
            "tsa_url": self.tsa_url,
            "trust_roots": (self.root_pem,),
        }
        values.update(kw)
        return SigningConfig(**values)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _validity(start: datetime, end: datetime) -> dict:
    return {"valid-from": _iso(start), "valid-to": _iso(end)}


def _ku(*params: str) -> dict:
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(params)}}


def _crl_dp(repo: str) -> dict:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}},
    }


def certomancer_config(base_url: str, keydir: Path, now: datetime) -> dict:
    long_ = _validity(now - timedelta(days=1), now + timedelta(days=3650))
    signer_ext = [
        _ku("digital_signature", "non_repudiation"),
        _crl_dp("interm"),
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"]}},
        },
    ]
    tsa_ext = [
        _ku("digital_signature"),
        {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
        _crl_dp("root"),
    ]
    return {
        "external-url-prefix": base_url,
        "keysets": {
            ARCH: {
                "path-prefix": str(keydir),
                "keys": {
                    k: {"path": f"{k}.key.pem"}
                    for k in ("root", "interm", "ocsp", "signer", "revoked", "expired", "tsa", "tsa-short")
                },
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN", "organization-name": "sohoa TEST (loopback)"},
                "entities": {
                    "root": {"common-name": "sohoa TEST Root CA"},
                    "interm": {"common-name": "sohoa TEST Issuing CA"},
                    "ocsp": {"common-name": "sohoa TEST OCSP responder"},
                    "signer": {"common-name": "TEST Trung tâm Phục vụ hành chính công"},
                    "revoked": {"common-name": "TEST revoked signer"},
                    "expired": {"common-name": "TEST expired signer"},
                    "tsa": {"common-name": "sohoa TEST TSA"},
                    "tsa-short": {"common-name": "sohoa TEST TSA (expiring)"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "subject-key": "root",
                        "issuer": "root",
                        "authority-key": "root",
                        "validity": _validity(now - timedelta(days=2), now + timedelta(days=7300)),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _ku("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "interm": {
                        "issuer": "root",
                        "validity": long_,
                        "extensions": [
                            {
                                "id": "basic_constraints",
                                "critical": True,
                                "value": {"ca": True, "path-len-constraint": 0},
                            },
                            _ku("digital_signature", "key_cert_sign", "crl_sign"),
                            _crl_dp("root"),
                        ],
                    },
                    "ocsp": {
                        "issuer": "interm",
                        "validity": long_,
                        "extensions": [
                            _ku("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "signer": {
                        "issuer": "interm",
                        "validity": _validity(now - timedelta(days=1), now + timedelta(days=730)),
                        "extensions": signer_ext,
                    },
                    "revoked": {
                        "issuer": "interm",
                        "validity": _validity(now - timedelta(days=1), now + timedelta(days=730)),
                        "extensions": signer_ext,
                        "revocation": {"revoked-since": _iso(now - timedelta(hours=12)), "reason": "key_compromise"},
                    },
                    "expired": {
                        "issuer": "interm",
                        "validity": _validity(now - timedelta(days=400), now - timedelta(days=10)),
                        "extensions": signer_ext,
                    },
                    "tsa": {"issuer": "root", "validity": long_, "extensions": tsa_ext},
                    "tsa-short": {
                        "issuer": "root",
                        "validity": _validity(now - timedelta(days=1), now + timedelta(days=30)),
                        "extensions": tsa_ext,
                    },
                },
                "services": {
                    "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P30D"},
                        "interm": {"for-issuer": "interm", "signing-key": "interm", "simulated-update-schedule": "P7D"},
                    },
                    "time-stamping": {
                        "tsa": {"signing-key": "tsa", "signing-cert": "tsa"},
                        "tsa-short": {"signing-key": "tsa-short", "signing-cert": "tsa-short"},
                    },
                },
            }
        },
    }


@pytest.fixture(scope="session")
def loopback_pki(tmp_path_factory: pytest.TempPathFactory):
    try:
        from certomancer.integrations.animator import Animator, AnimatorArchStore
        from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
        from werkzeug.serving import make_server
    except ImportError as e:  # pragma: no cover - depends on the installation
        unavailable(f"certomancer[web-api] is not installed: {e}")
    d = tmp_path_factory.mktemp("loopback-pki")
    keydir = d / "keys"
    keydir.mkdir()
    keys = {}
    for name in ("root", "interm", "ocsp", "signer", "revoked", "expired", "tsa", "tsa-short"):
        keys[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (keydir / f"{name}.key.pem").write_bytes(
            keys[name].private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    holder: dict = {}

    def app(environ, start_response):
        return holder["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    cfg = CertomancerConfig(certomancer_config(base, keydir, datetime.now(UTC)), key_search_dir=str(keydir))
    holder["app"] = Animator(AnimatorArchStore(cfg.pki_archs), with_web_ui=False)
    arch = cfg.get_pki_arch(ArchLabel(ARCH))
    thread = threading.Thread(target=server.serve_forever, name="certomancer", daemon=True)
    thread.start()
    try:
        root_pem = d / "root.pem"
        root_pem.write_bytes(_pem(arch.get_cert(CertLabel("root")).dump()))
        chain_pem = d / "interm.pem"
        chain_pem.write_bytes(_pem(arch.get_cert(CertLabel("interm")).dump()))
        p12 = {}
        for label in ("signer", "revoked", "expired"):
            p12[label] = d / f"{label}.p12"
            p12[label].write_bytes(arch.package_pkcs12(CertLabel(label), password=P12_PASSWORD))
        reg = arch.service_registry
        yield LoopbackPki(
            base_url=base,
            tsa_url=reg.get_tsa_info(ServiceLabel("tsa")).url,
            short_tsa_url=reg.get_tsa_info(ServiceLabel("tsa-short")).url,
            root_pem=root_pem,
            chain_pem=chain_pem,
            signer_p12=p12["signer"],
            revoked_p12=p12["revoked"],
            signer_key=keys["signer"],
            signer_cert_der=arch.get_cert(CertLabel("signer")).dump(),
            interm_cert_der=arch.get_cert(CertLabel("interm")).dump(),
            expired_p12=p12["expired"],
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der)


@pytest.fixture
def pkcs12_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_SIGNING_PASSPHRASE", P12_PASSWORD.decode())


@dataclass(frozen=True)
class SoftHsm:
    module: Path
    token: str = TOKEN_LABEL
    key_label: str = KEY_LABEL
    pin: str = SOFTHSM_PIN


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory, loopback_pki: LoopbackPki):
    """A SoftHSM2 token holding the loopback signer's key (:class:`SoftHsm`: module, labels, PIN)."""
    util = shutil.which("softhsm2-util")
    if util is None or not SOFTHSM2_MODULE.exists():
        unavailable("SoftHSM2 is not installed (apt install softhsm2)")
    d = tmp_path_factory.mktemp("softhsm")
    (d / "tokens").mkdir()
    conf = d / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {d / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    # SoftHSM reads SOFTHSM2_CONF once, when the module is first initialised in this process.
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        subprocess.run(
            [util, "--init-token", "--free", "--label", TOKEN_LABEL, "--so-pin", "87654321", "--pin", SOFTHSM_PIN],
            check=True,
            capture_output=True,
            env=os.environ.copy(),
        )
        from signing.hsm import import_key

        import_key(
            SOFTHSM2_MODULE,
            TOKEN_LABEL,
            SOFTHSM_PIN,
            loopback_pki.signer_key,
            loopback_pki.signer_cert_der,
            KEY_LABEL,
            chain_der=(loopback_pki.interm_cert_der,),
        )
        yield SoftHsm(SOFTHSM2_MODULE)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def sohoa_cli(monkeypatch: pytest.MonkeyPatch):
    """``sohoa …`` in process (typer's runner): the exit code and output of the real command."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    def run(home: Path, *args: str) -> Result:
        monkeypatch.setenv("SOHOA_HOME", str(home))
        r = CliRunner().invoke(app, list(args))
        if r.exception and not isinstance(r.exception, SystemExit):
            raise r.exception
        return Result(r.exit_code, r.stdout, r.stderr)

    return run


@pytest.fixture
def sohoa_cli_json(sohoa_cli):
    def run(home: Path, *args: str) -> tuple[int, object]:
        r = sohoa_cli(home, *args)
        assert r.stdout.strip(), r.stderr
        return r.returncode, json.loads(r.stdout)

    return run
