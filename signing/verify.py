"""Check a signed PDF: bytes unchanged since signing, signer, chain against trust roots, PDF/A."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signing.pdfa import pdfa_problems


@dataclass(frozen=True, slots=True)
class SignatureReport:
    field: str
    intact: bool
    valid: bool
    trusted: bool
    signer: str
    signing_time: datetime | None
    coverage: str
    summary: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    signatures: tuple[SignatureReport, ...]
    pdfa_problems: tuple[str, ...] = field(default_factory=tuple)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.intact and s.valid for s in self.signatures)


def load_roots(paths: list[Path]) -> list[x509.Certificate]:
    roots = []
    for p in paths:
        data = p.read_bytes()
        if pem.detect(data):
            for _, _, der in pem.unarmor(data, multiple=True):
                roots.append(x509.Certificate.load(der))
        else:
            roots.append(x509.Certificate.load(data))
    return roots


def verify_pdf(data: bytes, trust_roots: list[Path]) -> VerifyReport:
    try:
        reader = PdfFileReader(io.BytesIO(data))
        sigs = list(reader.embedded_signatures)
    except Exception as e:
        return VerifyReport((), (), f"unreadable PDF: {e}")
    vc = ValidationContext(trust_roots=load_roots(trust_roots), allow_fetching=False)
    reports = []
    for sig in sigs:
        status = validate_pdf_signature(sig, vc, skip_diff=False)
        reports.append(
            SignatureReport(
                field=sig.field_name,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                signer=status.signing_cert.subject.human_friendly,
                signing_time=status.signer_reported_dt,
                coverage=str(status.coverage.name if status.coverage else ""),
                summary=status.summary(),
            )
        )
    return VerifyReport(tuple(reports), tuple(pdfa_problems(data)))
