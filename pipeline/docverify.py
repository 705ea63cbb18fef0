"""``sohoa verify DOC_CODE``: the verdict on every stored copy of an archived document, not on whichever copy a
read happened to return.

Each copy (the primary, and the mirror when there is one) is read without the store's own check, its SHA-256 is
compared with the catalog's and its signatures are verified. A copy whose bytes are not those archived is at best
``tampered`` even if what is left still verifies (bytes appended after the signature, say); a copy that is gone is
``unreadable``. The verdict of the document is that of the first copy, primary first, that is not valid — so a
damaged primary is reported as such even while the mirror could serve a good read — and the report names each
copy's location. An unreachable primary is a store outage (exit 5), not a verdict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from archive.errors import ObjectMissing, StorageUnavailable
from archive.mirror import copies

if TYPE_CHECKING:
    from archive.store import ObjectStore
    from catalog.db import Document
    from pipeline.config import AppConfig
    from signing.verify import Verdict, VerifyReport


@dataclass
class CopyCheck:
    copy: str
    """``primary`` or ``mirror``."""
    location: str
    verdict: Verdict
    sha256: str | None = None
    matches_catalog: bool | None = None
    """Whether the copy's SHA-256 is the one the catalog recorded (None: the catalog recorded none)."""
    problem: str | None = None
    report: VerifyReport | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "copy": self.copy,
            "location": self.location,
            "verdict": self.verdict.name.lower(),
            "exit_code": int(self.verdict),
            "sha256": self.sha256,
            "matches_catalog": self.matches_catalog,
            "problem": self.problem,
        }


@dataclass
class DocumentCheck:
    doc_code: str
    pdf_key: str
    copies: list[CopyCheck] = field(default_factory=list)

    @property
    def deciding(self) -> CopyCheck:
        """The copy whose verdict is the document's: the first that is not valid, else the primary."""
        from signing.verify import Verdict

        return next((c for c in self.copies if c.verdict != Verdict.VALID), self.copies[0])

    @property
    def verdict(self) -> Verdict:
        return self.deciding.verdict


def check_copies(
    cfg: AppConfig, store: ObjectStore, doc: Document, *, fetch: bool = False, min_level: str | None = None
) -> DocumentCheck:
    from catalog.db import Catalog
    from catalog.originals import original_info
    from signing.levels import LEVELS
    from signing.verify import Verdict, verify_configured

    assert doc.pdf_key and doc.doc_code
    result = DocumentCheck(doc.doc_code, doc.pdf_key)
    catalog = Catalog(cfg.catalog_config.url, migrate=False)  # type: ignore[arg-type]
    try:
        electronic = original_info(catalog, doc.key) is not None
    finally:
        catalog.close()

    def verify(data: bytes) -> tuple[VerifyReport, Verdict]:
        if not electronic:
            r = verify_configured(cfg.signing, cfg.pki_dir, data, fetch=fetch, min_level=min_level)
            return r, r.verdict
        # an electronic original: its issuer's signatures, judged as at ingest against the [trust] store (what was
        # changed after signing and whether the signer allowed it included); it is not sohoa's PDF/A
        from pipeline.originals import trust_for
        from signing.originals import validate_original, verdict_of

        check = validate_original(data, trust_for(cfg, fetch=fetch or None))
        verdict = verdict_of(check)
        level = check.report.level
        if verdict == Verdict.VALID and min_level and level and LEVELS.index(level) < LEVELS.index(min_level):
            verdict = Verdict.LEVEL_TOO_LOW
        return check.report, verdict

    for name, copy in copies(store).items():
        location = copy.locate(doc.pdf_key)
        try:
            data = copy.get(doc.pdf_key, verify=False)  # the verdict, not the store's own check, judges the bytes
        except ObjectMissing:
            result.copies.append(
                CopyCheck(name, location, Verdict.UNREADABLE, problem="the copy is missing / bản sao không còn")
            )
            continue
        except StorageUnavailable:
            if name == "primary":
                raise
            result.copies.append(
                CopyCheck(
                    name,
                    location,
                    Verdict.VALID,
                    problem="unreachable, not checked / không kết nối được, chưa kiểm tra",
                )
            )
            continue
        digest = hashlib.sha256(data).hexdigest()
        matches = None if not doc.pdf_sha256 else digest == doc.pdf_sha256
        report, verdict = verify(data)
        problem = None
        if matches is False:
            problem = (
                "the stored bytes differ from those archived (SHA-256) / dữ liệu lưu khác với bản đã lưu trữ (SHA-256)"
            )
            if verdict == Verdict.VALID:
                verdict = Verdict.TAMPERED
        result.copies.append(CopyCheck(name, location, verdict, digest, matches, problem, report))
    return result
