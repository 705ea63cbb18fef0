"""The demo PKI: a root CA and an agency signing certificate generated on first use.

Everything it makes says DEMO in its names; it has no legal value and exists so a fresh installation
can sign end to end. Production uses a PKCS#12 file or a token from a licensed CA.
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEMO_MARK = "DEMO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ / NOT FOR PRODUCTION"


@dataclass(frozen=True, slots=True)
class DemoPki:
    root_cert: Path
    signer_cert: Path
    signer_key: Path


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_MARK[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]),
        ]
    )


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(mode)
    tmp.replace(path)


def ensure_demo_pki(directory: Path, organisation: str) -> DemoPki:
    """Create the demo PKI under ``directory`` if it is not there yet (safe across processes)."""
    pki = DemoPki(directory / "demo-root.pem", directory / "demo-signer.pem", directory / "demo-signer.key")
    if pki.signer_key.exists() and pki.signer_cert.exists() and pki.root_cert.exists():
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if pki.signer_key.exists() and pki.signer_cert.exists() and pki.root_cert.exists():
            return pki
        now = datetime.now(UTC) - timedelta(minutes=5)
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        root_name = _name("sohoa DEMO Root CA", "sohoa DEMO")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"DEMO {organisation}", f"{organisation} (DEMO)"))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        _write(pki.root_cert, root.public_bytes(serialization.Encoding.PEM))
        _write(pki.signer_cert, cert.public_bytes(serialization.Encoding.PEM))
        _write(
            pki.signer_key,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            0o600,
        )
    return pki
