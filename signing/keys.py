"""Key backends: where the agency's signing key lives, hidden behind pyHanko's ``Signer``.

* ``demo``   — the generated demo PKI (``signing.pki``), for a fresh installation; names say DEMO.
* ``pkcs12`` — a PKCS#12 file; passphrase from ``SOHOA_SIGNING_PASSPHRASE``.
* ``pkcs11`` — a USB token or HSM through its PKCS#11 module (tested with SoftHSM2); user PIN from
  ``SOHOA_SIGNING_PIN``. The key never leaves the token: pyHanko asks the token to sign the digest.

Secrets are read from the environment here and nowhere else; they never appear in messages or logs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator import ValidationContext

from signing.config import SigningConfig
from signing.errors import SignerUnavailable
from signing.pki import DemoPki, ensure_demo_pki

PASSPHRASE_ENV = "SOHOA_SIGNING_PASSPHRASE"
PIN_ENV = "SOHOA_SIGNING_PIN"


def load_certs(paths: tuple[Path, ...] | list[Path]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM (one or several per file) or DER files."""
    out = []
    for p in paths:
        data = Path(p).read_bytes()
        if pem.detect(data):
            out.extend(asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))
        else:
            out.append(asn1_x509.Certificate.load(data))
    return out


class KeyCachingSigner(signers.SimpleSigner):
    """pyHanko's in-memory signer, parsing its RSA key once instead of at every signature.

    ``SimpleSigner.sign_raw`` re-parses the private key for each signature (and for the dry run that
    sizes it); parsing runs the RSA consistency check, ~0.1 s a time — more than the signature itself.
    """

    _rsa: RSAPrivateKey | None = None

    @classmethod
    def of(cls, s: signers.SimpleSigner) -> KeyCachingSigner:
        return cls(
            signing_cert=s.signing_cert,
            signing_key=s.signing_key,
            cert_registry=s.cert_registry,
            signature_mechanism=s.signature_mechanism,
        )

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._rsa is None:
            key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            if not isinstance(key, RSAPrivateKey):
                return super().sign_raw(data, digest_algorithm)
            self._rsa = key
        return self._rsa.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def _pkcs12(cfg: SigningConfig) -> signers.Signer:
    if cfg.pkcs12_path is None:
        raise SignerUnavailable("signing.pkcs12_path is not set", "chưa cấu hình signing.pkcs12_path")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            str(cfg.pkcs12_path),
            ca_chain_files=tuple(str(p) for p in cfg.chain_paths) or None,
            passphrase=passphrase.encode() if passphrase else None,
        )
    except Exception as e:
        raise SignerUnavailable(
            f"cannot open PKCS#12 {cfg.pkcs12_path}: {type(e).__name__}",
            f"không mở được tệp khóa PKCS#12 {cfg.pkcs12_path}: {type(e).__name__}",
        ) from e
    if signer is None:
        raise SignerUnavailable(
            f"cannot open PKCS#12 {cfg.pkcs12_path} (wrong passphrase in {PASSPHRASE_ENV}?)",
            f"không mở được tệp khóa PKCS#12 {cfg.pkcs12_path} (sai mật khẩu trong {PASSPHRASE_ENV}?)",
        )
    return KeyCachingSigner.of(signer)


def _pkcs11(cfg: SigningConfig) -> signers.Signer:
    from pkcs11.exceptions import UserAlreadyLoggedIn
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as p11

    if not cfg.pkcs11_key_label:
        raise SignerUnavailable("signing.pkcs11_key_label is not set", "chưa cấu hình signing.pkcs11_key_label")
    pin = os.environ.get(PIN_ENV)
    if not pin:
        raise SignerUnavailable(
            f"the token PIN is not set: export {PIN_ENV}", f"chưa có mã PIN của thiết bị ký: đặt biến {PIN_ENV}"
        )
    where = f"token {cfg.pkcs11_token or '(first)'} via {cfg.pkcs11_module}"
    try:
        criteria = TokenCriteria(label=cfg.pkcs11_token) if cfg.pkcs11_token else None
        try:
            session = p11.open_pkcs11_session(str(cfg.pkcs11_module), token_criteria=criteria, user_pin=pin)
        except UserAlreadyLoggedIn:  # PKCS#11 login is per process: another session of ours holds it
            session = p11.open_pkcs11_session(str(cfg.pkcs11_module), token_criteria=criteria)
        signer = p11.PKCS11Signer(
            session,
            key_label=cfg.pkcs11_key_label,
            cert_label=cfg.pkcs11_cert_label or cfg.pkcs11_key_label,
            ca_chain=load_certs(cfg.chain_paths),
            other_certs_to_pull=None,  # every certificate on the token: its CA chain, if stored there
        )
        _ = signer.signing_cert  # load now, so a wrong label fails before the batch, not at its first document
    except Exception as e:
        raise SignerUnavailable(
            f"cannot use the key {cfg.pkcs11_key_label!r} on {where}: {type(e).__name__}: {e}",
            f"không dùng được khóa {cfg.pkcs11_key_label!r} trên {where}: {type(e).__name__}: {e}",
        ) from e
    return signer


@dataclass(frozen=True)
class Timestamping:
    """What the levels above B-B need besides the key: a timestamper and fresh validation contexts."""

    timestamper: TimeStamper | None
    validation_context: Callable[[], ValidationContext]
    """A new context each call (CRLs and OCSP responses are fetched or issued fresh per document)."""
    demo: DemoPki | None = None


@dataclass(frozen=True)
class KeyKit:
    """A signer plus its timestamping services."""

    signer: signers.Signer
    timestamper: TimeStamper | None
    validation_context: Callable[[], ValidationContext]
    demo: DemoPki | None = None


def trust_roots(cfg: SigningConfig, pki_dir: Path) -> list[asn1_x509.Certificate]:
    """The roots verification trusts: configured ones, plus the demo roots while the backend is demo."""
    roots = load_certs(cfg.trust_roots)
    if cfg.backend == "demo":
        pki = DemoPki(pki_dir)
        if pki.root_cert.exists():
            roots.extend(pki.trust_root_certs())
    return roots


def load_timestamping(
    cfg: SigningConfig,
    pki_dir: Path,
    organisation: str,
    other_certs: list[asn1_x509.Certificate] = (),  # type: ignore[assignment]
) -> Timestamping:
    """The timestamper and revocation sources of the configuration (no signing key needed: renewal)."""
    demo = ensure_demo_pki(pki_dir, organisation) if cfg.backend == "demo" else None
    timestamper: TimeStamper | None = None
    if cfg.tsa_url:
        timestamper = HTTPTimeStamper(cfg.tsa_url, timeout=int(cfg.tsa_timeout))
    elif demo is not None:
        timestamper = demo.timestamper()
    roots = load_certs(cfg.trust_roots)
    # the operator's chain files end at the root they trust
    roots += [c for c in load_certs(cfg.chain_paths) if c.self_signed in ("maybe", "yes")]
    others = list(other_certs)

    def context() -> ValidationContext:
        if demo is not None:
            return ValidationContext(
                trust_roots=[*roots, *demo.trust_root_certs()],
                other_certs=others,
                crls=[demo.crl()],
                allow_fetching=bool(cfg.tsa_url) and cfg.fetch_revocation,
                revocation_mode="hard-fail",
            )
        return ValidationContext(
            trust_roots=roots or None,
            other_certs=others,
            allow_fetching=cfg.fetch_revocation,
            revocation_mode="hard-fail",
        )

    return Timestamping(timestamper, context, demo)


def load_key(cfg: SigningConfig, pki_dir: Path, organisation: str) -> KeyKit:
    """The configured key, its timestamper and revocation sources (demo PKI generated on first use)."""
    if cfg.backend == "demo":
        demo = ensure_demo_pki(pki_dir, organisation)
        signer: signers.Signer = KeyCachingSigner.of(
            signers.SimpleSigner.load(
                str(demo.signer_key), str(demo.signer_cert), ca_chain_files=(str(demo.root_cert),)
            )
        )
    elif cfg.backend == "pkcs12":
        signer = _pkcs12(cfg)
    else:
        signer = _pkcs11(cfg)
    ts = load_timestamping(cfg, pki_dir, organisation, list(getattr(signer, "cert_registry", []) or []))
    if ts.timestamper is None and cfg.level != "B-B":
        raise SignerUnavailable(
            f"level {cfg.level} needs signing.tsa_url", f"mức {cfg.level} cần cấu hình signing.tsa_url"
        )
    return KeyKit(signer, ts.timestamper, ts.validation_context, ts.demo)
