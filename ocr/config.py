"""Frozen configuration of the OCR layer (composed by ``pipeline.config``)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OcrConfig(BaseModel):
    """How pages are read, rasterized, prepared and recognised."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lang: str = "vie"
    """Tesseract language model(s), e.g. ``vie`` or ``vie+eng``."""

    psm: int = Field(default=3, ge=0, le=13)
    """Tesseract page segmentation mode (3 = automatic layout analysis)."""

    oem: int = Field(default=1, ge=0, le=3)
    """Tesseract engine mode (1 = LSTM only)."""

    tesseract_threads: int = Field(default=1, ge=1)
    """OpenMP threads per Tesseract process; pages run in parallel, so one is right."""

    page_timeout_s: float = Field(default=120.0, gt=0)
    """Per-page time limit for Tesseract, in seconds."""

    workers: int = Field(default=0, ge=0)
    """Processes that read the pages of a document in parallel; 0 = one per CPU core, 1 = in process."""

    pdf_dpi: int = Field(default=300, ge=100, le=600)
    """Resolution at which PDF pages are rasterized for OCR and for the archived image."""

    text_layer: bool = True
    """Use a born-digital PDF page's own text (its text layer) instead of OCR when it reads as Vietnamese."""

    text_layer_dpi: int = Field(default=200, ge=72, le=600)
    """Resolution at which a page whose text layer is its text is rendered (its image is not OCR'd): 200 dpi is
    Decree 30's archival minimum for a digitized copy's page image; an electronic original's page images are
    previews for the review screen and are rendered coarser (``pipeline.originals.PREVIEW_DPI``)."""

    text_layer_max_legacy: float = Field(default=0.1, ge=0, le=1)
    """A text layer whose non-ASCII characters are more than this share foreign to Vietnamese (``ocr.text.
    legacy_share``: TCVN3/VNI fonts read back as Windows-1252, private-use glyphs) is garbage: the page is OCR'd.
    Unicode papers measure at most 0.011, TCVN3 at least 0.58, VNI at least 0.32 (README, OCR)."""

    text_layer_min_plausibility: float = Field(default=0.4, ge=0, le=1)
    """A text layer less plausible Vietnamese than this (``ocr.text.plausibility``: ASCII gibberish from a font
    without a Unicode map) is not trusted either. Unicode papers measure at least 0.50."""

    fallback_dpi: float = Field(default=300.0, gt=0)
    """Resolution assumed for an image whose file names none and whose size does not suggest one."""

    ocr_target_dpi: int = Field(default=200, ge=100, le=600)
    """Pages scanned finer than this are scaled down to it for Tesseract (only the OCR copy): its LSTM
    reads Vietnamese diacritics on bold capitals better at moderate glyph sizes, and faster."""

    min_archive_dpi: int = Field(default=200, ge=72)
    """Below this resolution a scan is archived but sent to review (Decree 30/2020 asks for 200 dpi)."""

    max_pixels: int = Field(default=150_000_000, gt=0)
    """Largest page accepted, in pixels; larger pages are refused as decompression bombs."""

    max_pages: int = Field(default=2000, gt=0)
    """Largest number of pages accepted in one file."""

    content_dpi: bool = True
    """Measure the scale of the text on the page (``ocr.scale``) when the file gives no usable resolution
    (none, or the 72/96 dpi of cameras and screenshots), or one the text contradicts."""

    dpi_contradiction: float = Field(default=2.2, gt=1.0)
    """A file's resolution is taken as contradicted by the text when they differ by more than this factor
    (papers print body text at 13-14 pt; larger or smaller print stays well within it)."""

    document_seconds_per_page: float = Field(default=90.0, gt=0)
    """Time budget of a document: this many seconds per page (plus one minute); beyond it the document is
    stopped with a clear reason instead of holding the batch's workers."""

    # --- preprocessing steps, in the order they run; each can be switched off -------------------------
    page_detection: bool = True
    """In a photo (no usable resolution, or a camera's EXIF), find the page against the background and
    flatten its perspective; the flattened colour page is what is archived."""

    orientation: bool = True
    """Detect and correct page orientation (0/90/180/270)."""

    orientation_osd: bool = True
    """When the own orientation measure is unsure, ask Tesseract's OSD as well (needs the ``osd`` model)."""

    orientation_min_confidence: float = Field(default=0.35, ge=0)
    """Below this own-method confidence the page is shown to Tesseract OSD (when enabled)."""

    ink_suppression: bool = True
    """Lighten red seals and blue signatures so the black text under them survives grey conversion."""

    seal_shapes: bool = True
    """On a grey or bi-level page (no colour to go by), find round seals by their shape (``ocr.seal``): lift a
    seal lighter than the print, or clear a seal as dark as the print between the text lines crossing it; keep
    them out of the orientation and skew measures."""

    crop: bool = True
    """Whiten the dark scanner background and borders around the paper."""

    deskew: bool = True
    """Detect and correct skew within ``max_skew_deg``."""

    deskew_archive: bool = True
    """Straighten the archived colour page by the same angle as the OCR copy (canvas enlarged, nothing cut):
    its invisible text layer then lies level and reads line by line in viewers and ``pdftotext``."""

    max_skew_deg: float = Field(default=15.0, gt=0, le=45)
    """Largest skew searched for, in degrees."""

    illumination: bool = True
    """Flatten uneven light: shadows, yellowed or grey paper become white."""

    denoise: bool = True
    """Remove isolated specks (dust, photocopier toner) and, on photos, sensor noise."""

    smoothing: Literal["auto", "always", "never"] = "auto"
    """Edge-preserving smoothing in the ``denoise`` step: ``auto`` on a page found in a photo and on a page whose
    paper is noisy (``smoothing_noise``), or always, or never. On clean scans, small pictures and screenshots it
    blurred the hook above a circumflex into an acute ("sổ" read "số", "đổi" "đối"); noisy photocopies and photos
    of pages need it (see the README's real-capture benchmark)."""

    smoothing_noise: float = Field(default=1.0, ge=0)
    """Noise of the paper (mean grey-level departure from its 3x3 median, at the OCR copy's scale) from which
    ``auto`` smooths: JPEG photocopies measure 1.2-3.3, 300-dpi 16-bit scans reduced for OCR about 0.5, clean
    renders, G4 and screenshots 0."""

    leaders: bool = True
    """Take dotted ("......") and underscored ("____") blanks and thin horizontal rules out of the OCR copy
    (``ocr.leaders``): Tesseract reads them as junk and doubts or drops the values printed over them."""

    binarize: bool = False
    """Give Tesseract a black-and-white page (adaptive threshold) instead of the flattened grey one.
    Off by default: after flattening, Tesseract's own thresholding keeps more of the thin diacritics."""

    upscale: bool = True
    """Scale low-resolution scans up to ``min_ocr_dpi`` for Tesseract (only the OCR copy)."""

    min_ocr_dpi: int = Field(default=200, ge=72, le=600)
    """Pages coarser than this are enlarged to it for Tesseract."""

    blank_detection: bool = True
    """Pages with (nearly) no ink are marked blank and not sent to Tesseract."""

    blank_min_glyphs: int = Field(default=6, ge=0)
    """A page with fewer glyph-sized marks than this is blank (specks, folds and borders do not count)."""

    # --- text -----------------------------------------------------------------------------------------
    min_word_confidence: float = Field(default=0.0, ge=0, le=100)
    """Words Tesseract is less sure of than this (0-100) are dropped from the text."""

    layout_columns: bool = True
    """Split lines Tesseract joined across a wide gap (two-column headers) and read each column as a block."""

    min_page_confidence: float = Field(default=0.5, ge=0, le=1)
    """Pages Tesseract is less sure of than this (0-1, mean over characters) are flagged low-confidence."""

    min_plausibility: float = Field(default=0.6, ge=0, le=1)
    """Pages whose text is less plausible Vietnamese than this (0-1) are flagged low-confidence."""

    safe_fixes: bool = True
    """Apply the safe text fixes (composition, punctuation spacing, confused diacritic code points)."""
