"""Electronic originals in the batch: an input PDF that already carries a signature is validated
(``signing.originals``) instead of being digitized, and becomes the document's legal object byte for byte.

The trust store (``[trust]`` roots and intermediates, the demo PKI in demo mode) is built once per process and
rebuilt hourly, so a worker that runs for weeks picks up a fresh demo CRL and the operator's new roots.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ocr.errors import SignedPdf, UnreadableSignedPdf
from pipeline.model import ElectronicOriginal, SourceFile

if TYPE_CHECKING:
    from pipeline.config import AppConfig
    from signing.originals import OriginalCheck, TrustStore

TRUST_TTL_S = 3600.0
PREVIEW_DPI = 100
"""Resolution of an electronic original's page images (previews for the review screen, not the legal object)."""
_lock = threading.Lock()
_cached: dict[tuple, tuple[float, TrustStore]] = {}


def trust_for(cfg: AppConfig, *, fetch: bool | None = None) -> TrustStore:
    """The trust store of this configuration (cached for an hour)."""
    from signing.originals import trust_store

    key = (cfg.trust, cfg.signing.backend, cfg.signing.trust_roots, str(cfg.pki_dir), fetch)
    with _lock:
        hit = _cached.get(key)
        if hit is not None and time.monotonic() - hit[0] < TRUST_TTL_S:
            return hit[1]
    store = trust_store(cfg.trust, cfg.signing, cfg.pki_dir, fetch=fetch)
    with _lock:
        _cached[key] = (time.monotonic(), store)
    return store


def as_record(check: OriginalCheck) -> ElectronicOriginal:
    return ElectronicOriginal(
        outcome=check.outcome,
        reasons=tuple(f.reason for f in check.findings),
        report=check.as_dict(),
        signer_name=check.signer_name,
        signer_org=check.signer_org,
        signed_at=check.signed_at,
        level=check.report.level,
        validated_at=check.validated_at,
    )


def check_sources(sources: tuple[SourceFile, ...], cfg: AppConfig) -> ElectronicOriginal | None:
    """None for a digitization; the validation of the signed PDF when the item is an electronic original.
    A signed PDF must be an item of its own; one whose signatures cannot be parsed is quarantined."""
    from signing.originals import validate_original

    signed = [s for s in sources if s.info is not None and s.info.signed]
    if not signed:
        return None
    if len(sources) > 1:
        names = ", ".join(s.name for s in signed)
        raise SignedPdf(
            f"{names}: an already-signed PDF is an electronic original and must be given alone, not with other "
            "files as one paper",
            f"{names}: tệp PDF đã ký số là bản gốc điện tử, phải nộp riêng, không gộp với tệp khác",
        )
    src = signed[0]
    check = validate_original(Path(src.path).read_bytes(), trust_for(cfg))
    if check.report.error is None and not check.report.signatures:
        return None  # a usage-rights dictionary or an empty signature field: no signature, digitized as a scan
    if check.outcome == "unreadable":
        raise UnreadableSignedPdf(
            f"{src.name}: the PDF carries a signature that cannot be read ({check.report.error})",
            f"{src.name}: tệp PDF có chữ ký số nhưng không đọc được cấu trúc chữ ký",
        )
    return as_record(check)
