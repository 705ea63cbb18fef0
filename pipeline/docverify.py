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
    from signing.verify import Verdict, verify_configured, verify_pdf

    assert doc.pdf_key and doc.doc_code
    result = DocumentCheck(doc.doc_code, doc.pdf_key)
    catalog = Catalog(cfg.catalog_config.url, migrate=False)  # type: ignore[arg-type]
    try:
        electronic = original_info(catalog, doc.key) is not None
    finally:
        catalog.close()

    def verify(data: bytes) -> VerifyReport:
        if not electronic:
            return verify_configured(cfg.signing, cfg.pki_dir, data, fetch=fetch, min_level=min_level)
        # an electronic original: its issuer's signatures against the [trust] store; it is not sohoa's PDF/A
        from pipeline.originals import trust_for

        t = trust_for(cfg, fetch=fetch or None)
        return verify_pdf(
            data,
            list(t.roots),
            crls=list(t.crls),
            fetch=t.fetch,
            min_level=min_level,
            other_certs=list(t.intermediates),
            revocation_mode=t.revocation_mode,
            check_pdfa=False,
        )

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
        report = verify(data)
        verdict = report.verdict
        problem = None
        if matches is False:
            problem = (
                "the stored bytes differ from those archived (SHA-256) / dữ liệu lưu khác với bản đã lưu trữ (SHA-256)"
            )
            if verdict == Verdict.VALID:
                verdict = Verdict.TAMPERED
        result.copies.append(CopyCheck(name, location, verdict, digest, matches, problem, report))
    return result
