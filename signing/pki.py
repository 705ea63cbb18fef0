"""The demo PKI: a root CA, the agency signing certificate and a timestamp authority, made on first use.

Everything it makes says DEMO in its names; it has no legal value and exists so a fresh installation
can sign at every PAdES level without any server: the timestamper runs in process with the demo TSA key
(:meth:`DemoPki.timestamper`) and the root CA issues its CRL in process (:meth:`DemoPki.crl`), so a B-LT
or B-LTA signature embeds real revocation data. Production uses a PKCS#12 file or a token from a
licensed CA with a real TSA (``signing.tsa_url``).

Files under the PKI folder (``<home>/pki``): ``demo-root.pem`` / ``demo-root.key``,
``demo-signer.pem`` / ``demo-signer.key``, ``demo-tsa.pem`` / ``demo-tsa.key`` (keys mode 0600). A root
of an older demo PKI is kept as ``demo-root-old-<serial>.pem`` so documents it signed still verify.
"""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

DEMO_MARK = "DEMO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ / NOT FOR PRODUCTION"
DEMO_CRL_URL = "http://pki.sohoa.invalid/demo-root.crl"
"""Distribution point written into the demo certificates; never fetched (the CRL is issued in process)."""

ROOT_DAYS = 3650
SIGNER_DAYS = 3 * 365
TSA_DAYS = 5 * 365


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


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _asn1_cert(path: Path) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)
    )


@dataclass(frozen=True)
class DemoPki:
    directory: Path

    @property
    def root_cert(self) -> Path:
        return self.directory / "demo-root.pem"

    @property
    def root_key(self) -> Path:
        return self.directory / "demo-root.key"

    @property
    def signer_cert(self) -> Path:
        return self.directory / "demo-signer.pem"

    @property
    def signer_key(self) -> Path:
        return self.directory / "demo-signer.key"

    @property
    def tsa_cert(self) -> Path:
        return self.directory / "demo-tsa.pem"

    @property
    def tsa_key(self) -> Path:
        return self.directory / "demo-tsa.key"

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.root_cert, self.root_key, self.signer_cert, self.signer_key, self.tsa_cert, self.tsa_key)

    def complete(self) -> bool:
        return all(p.exists() for p in self.files)

    def roots(self) -> list[Path]:
        """The current demo root and the roots of older demo PKIs in this folder."""
        return [self.root_cert, *sorted(self.directory.glob("demo-root-old-*.pem"))]

    # --- in-process services ---------------------------------------------------------------------
    @cached_property
    def _root(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        cert = x509.load_pem_x509_certificate(self.root_cert.read_bytes())
        key = serialization.load_pem_private_key(self.root_key.read_bytes(), None)
        return cert, key  # type: ignore[return-value]

    def crl(self, revoked_serials: tuple[int, ...] = ()) -> asn1_crl.CertificateList:
        """A fresh CRL of the demo root (valid 7 days), as the root's CRL service would serve it."""
        cert, key = self._root
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(cert.subject)
            .last_update(now - timedelta(minutes=1))
            .next_update(now + timedelta(days=7))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        )
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(now - timedelta(minutes=1))
                .build()
            )
        der = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        return asn1_crl.CertificateList.load(der)

    def timestamper(self):
        """An RFC 3161 timestamper signing with the demo TSA key, in process."""
        key = serialization.load_pem_private_key(self.tsa_key.read_bytes(), None).private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return _DemoTimeStamper(
            tsa_cert=_asn1_cert(self.tsa_cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key),
            certs_to_embed=[_asn1_cert(self.root_cert)],
        )

    def trust_root_certs(self) -> list[asn1_x509.Certificate]:
        return [_asn1_cert(p) for p in self.roots() if p.exists()]


class _DemoTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, parsing its RSA key once rather than for every token."""

    _rsa = None

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime):
        from asn1crypto import cms, core
        from pyhanko.sign.general import as_signing_certificate, get_pyca_cryptography_hash, simple_cms_attribute

        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        if self._rsa is None:
            self._rsa = serialization.load_der_private_key(self.tsa_key.dump(), password=None)
        signature = self._rsa.sign(
            signed_attrs.dump(), padding.PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    now: datetime,
    days: int,
    *,
    usage: x509.KeyUsage,
    eku: list | None = None,
) -> x509.Certificate:
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(DEMO_CRL_URL)], None, None, None)]
            ),
            critical=False,
        )
    )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


def ensure_demo_pki(directory: Path, organisation: str, *, force: bool = False) -> DemoPki:
    """Create the demo PKI under ``directory`` if it is not complete yet (safe across processes).

    ``force`` makes a new one; the previous root stays trusted as ``demo-root-old-<serial>.pem``.
    """
    pki = DemoPki(directory)
    if pki.complete() and not force:
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if pki.complete() and not force:
            return pki
        if pki.root_cert.exists():  # an older or incomplete demo PKI: keep its root trusted
            old = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
            pki.root_cert.replace(directory / f"demo-root-old-{old.serial_number:x}.pem")
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
            .not_valid_after(now + timedelta(days=ROOT_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _issue(
            _name(f"DEMO {organisation}", f"{organisation} (DEMO)"),
            key,
            root_name,
            root_key,
            now,
            SIGNER_DAYS,
            usage=x509.KeyUsage(True, True, False, False, False, False, False, False, False),
        )
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa = _issue(
            _name("sohoa DEMO Time Stamping Authority", "sohoa DEMO"),
            tsa_key,
            root_name,
            root_key,
            now,
            TSA_DAYS,
            usage=x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        )
        pem = serialization.Encoding.PEM
        _write(pki.root_key, _pem_key(root_key), 0o600)
        _write(pki.signer_key, _pem_key(key), 0o600)
        _write(pki.tsa_key, _pem_key(tsa_key), 0o600)
        _write(pki.signer_cert, cert.public_bytes(pem))
        _write(pki.tsa_cert, tsa.public_bytes(pem))
        _write(pki.root_cert, root.public_bytes(pem))  # last: its presence with the others means complete
    return pki
