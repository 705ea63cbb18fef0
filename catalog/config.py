"""Frozen configuration of the catalog layer."""

from pydantic import BaseModel, ConfigDict, Field


class CatalogConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    """SQLAlchemy URL: ``sqlite:///path`` (embedded) or ``postgresql://user@host/db``; set from
    ``SOHOA_CATALOG_URL`` (default: ``<SOHOA_HOME>/catalog.db``)."""

    review_threshold: float = Field(default=0.6, ge=0, le=1)
    """Type or key-field confidence below which a document goes to the review queue."""

    second_read: bool = True
    """Read the words of a key field that only OCR doubt sends to review a second time, on their own line;
    when both reads agree, each word clearly, the doubt is lifted (see ``catalog.assess``)."""

    second_read_min_conf: float = Field(default=85.0, ge=0, le=100)
    """Word confidence (Tesseract 0-100) every word of the second read must reach to lift a doubt."""

    verify_fields: tuple[str, ...] = ("full_name", "id_number")
    """Key fields read a second time even when the first read is sure (one line each, about 85 ms); when the
    two reads differ the document goes to review. Empty: only doubtful fields are read again."""

    ocr_review_threshold: float = Field(default=0.55, ge=0, le=1)
    """Document OCR confidence below which a document goes to the review queue."""

    dossier_template: str = "{agency}-{day:%y%m%d}-{seq:04d}"
    """Dossier code (TT 01/2018/TT-VPCP Art. 19)."""

    invent_dossier_codes: bool = True
    """A batch document that names no dossier gets one invented from the day's sequence (``0001``, ``0002`` …).
    Set false (``[catalog] invent_dossier_codes = false``) where a one-stop system issues the codes and registers
    its dossiers (``POST /v1/dossiers``): a batch then names registered dossiers in its manifest, and a document
    that names none is filed under a code from the reserved top of the day's range (``9999``, ``9998`` …), which
    an office's one-stop system never reaches, so no invented code is ever also a real dossier's."""

    document_template: str = "{dossier}.{ordinal:02d}"
    """Document code = archive file name (TT 05/2025/TT-BNV Art. 8)."""

    paper_template: str = "{owner}.{result_code}.{notation}.{nn:02d}"
    """Digitized-paper code (*unconfirmed* format seen in a provincial system)."""

    timezone: str = "Asia/Ho_Chi_Minh"
    """Time zone that decides the day in dossier codes, KPI periods and validity; the application sets it from
    its one ``timezone`` setting."""
