"""Frozen configuration of the signing layer."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from signing.levels import LEVELS, Level

LIBERATION_SERIF = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
SOFTHSM2_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")

__all__ = ["LEVELS", "Level", "SigningConfig"]


class SigningConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["demo", "pkcs12", "pkcs11"] = "demo"
    """Where the agency key lives: ``demo`` (generated demo PKI, not legally valid), ``pkcs12`` (a file)
    or ``pkcs11`` (a USB token or HSM through its PKCS#11 module)."""

    pkcs12_path: Path | None = None
    """PKCS#12 file of the agency signing key (backend ``pkcs12``). Its passphrase comes only from the
    environment variable ``SOHOA_SIGNING_PASSPHRASE``."""

    pkcs11_module: Path = SOFTHSM2_MODULE
    """PKCS#11 module (shared library) of the token or HSM (backend ``pkcs11``). The user PIN comes only
    from the environment variable ``SOHOA_SIGNING_PIN``."""

    pkcs11_token: str | None = None
    """Label of the token holding the key (backend ``pkcs11``); unset = the first token present."""

    pkcs11_key_label: str | None = None
    """Label of the private key on the token; the certificate is looked up under the same label unless
    ``pkcs11_cert_label`` says otherwise."""

    pkcs11_cert_label: str | None = None
    """Label of the signing certificate on the token (defaults to ``pkcs11_key_label``)."""

    chain_paths: tuple[Path, ...] = ()
    """PEM/DER files of the CA certificates between the signing certificate and its root, embedded in
    every signature (a token or PKCS#12 file often holds only the end-entity certificate)."""

    level: Level = "B-LTA"
    """PAdES baseline level: ``B-B`` (signature only), ``B-T`` (plus an RFC 3161 signature timestamp),
    ``B-LT`` (plus the certificates, OCSP responses and CRLs needed to validate it later, in the DSS) or
    ``B-LTA`` (plus a document timestamp over all of that, renewable by ``sohoa nightly retimestamp``)."""

    tsa_url: str | None = None
    """RFC 3161 timestamp authority for B-T and above. Unset with the ``demo`` backend: the demo PKI's
    in-process timestamper (no server needed). Required with the other backends."""

    tsa_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for the timestamp authority."""

    fetch_revocation: bool = True
    """Fetch OCSP responses and CRLs named in the certificates for B-LT/B-LTA and for renewal. The demo
    PKI never needs it: its CRLs are issued in process."""

    timezone: str = "Asia/Ho_Chi_Minh"
    """Time zone of the signing time shown in the visible signature (Decree 30/2020: ISO 8601 with the
    Vietnam offset); the application sets it from its one ``timezone`` setting."""

    trust_roots: tuple[Path, ...] = ()
    """PEM/DER root certificates that ``sohoa verify`` trusts (the demo roots under ``<home>/pki`` are
    trusted too while the backend is ``demo``)."""

    retimestamp_window_days: int = Field(default=365, ge=1)
    """``sohoa nightly retimestamp`` renews documents whose newest timestamp certificate expires within
    this many days."""

    copy_type: str = "SAO Y"
    """Copy type shown in the visible signature (Decree 30/2020: e.g. "SAO Y")."""

    organisation: str | None = None
    """Digitizing organisation's name in the visible signature; defaults to the agency name."""

    font_path: Path = LIBERATION_SERIF
    """Times-compatible font with Vietnamese glyphs for the visible signature (10 pt)."""

    font_size: int = Field(default=10, ge=6, le=14)
    """Font size of the visible signature, in points."""

    text_font_path: Path = LIBERATION_SERIF
    """Font embedded (subset) for the invisible OCR text layer."""

    image_quality: int = Field(default=70, ge=30, le=95)
    """JPEG quality of the archived colour page images."""

    reason: str = "Số hóa bản giấy / Digitized copy of a paper document"
    """Signature reason recorded in the PDF."""


class TrustConfig(BaseModel):
    """``[trust]``: whose signatures sohoa accepts on electronic originals (already-signed PDFs it receives).

    Vietnam's root CA of the government (Ban Cơ yếu Chính phủ) and of the licensed public CAs are configured
    here by the operator, as PEM (or DER) files; nothing is trusted by default except, while the signing backend
    is ``demo``, the demo PKI under ``<home>/pki``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roots: tuple[Path, ...] = ()
    """Root CA certificates trusted for electronic originals (PEM or DER files, one or more per file)."""

    intermediates: tuple[Path, ...] = ()
    """Intermediate CA certificates, for files that do not embed their signer's whole chain."""

    fetch_revocation: bool = False
    """Ask the OCSP responders and CRL servers named in the certificates (network). Off: only the
    revocation data embedded in the file (PAdES B-LT/B-LTA) and the demo PKI's CRL are used."""

    revocation_mode: Literal["soft-fail", "hard-fail", "require"] = "soft-fail"
    """pyHanko's revocation policy: ``soft-fail`` (a certificate whose status cannot be learnt is accepted,
    a revoked one never), ``hard-fail`` (unreachable revocation data is a failure), ``require`` (every
    certificate needs revocation data)."""

    trust_demo: bool | None = None
    """Trust the demo PKI; unset = only while ``signing.backend`` is ``demo``."""
