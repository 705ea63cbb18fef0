"""Frozen configuration of the signing layer."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LIBERATION_SERIF = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")


class SigningConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    backend: Literal["demo", "pkcs12"] = "demo"
    """Where the agency key lives: ``demo`` (generated demo PKI, not legally valid) or ``pkcs12`` (a file)."""

    pkcs12_path: Path | None = None
    """PKCS#12 file of the agency signing key (backend ``pkcs12``). Its passphrase comes only from the
    environment variable ``SOHOA_SIGNING_PASSPHRASE``."""

    level: Literal["B-B", "B-T"] = "B-B"
    """PAdES baseline level: B-B (signature only) or B-T (with an RFC 3161 timestamp from ``tsa_url``)."""

    tsa_url: str | None = None
    """RFC 3161 timestamp authority, required for level B-T."""

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
