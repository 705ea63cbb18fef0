"""Check a signed copy: integrity, signer and chain against trust roots, timestamps, LTV, level, PDF/A.

The verdict is one value of :class:`Verdict`, and the command line exits with it, so a script can act
on the outcome without reading the report:

====  ==================  ==========================================================================
code  verdict             meaning
====  ==================  ==========================================================================
0     valid               every signature intact, valid, trusted; not revoked; PDF/A self-check clean
20    tampered            bytes covered by a signature changed since signing (or changed illegally
                          after it: anything but DSS / document-timestamp updates)
21    invalid             a signature is cryptographically invalid or its structure is broken
22    revoked             the signer's (or a CA's) certificate is revoked
23    untrusted           the chain does not reach a configured trust root, or a certificate has
                          expired without a timestamp and validation data proving it was valid
24    level_too_low       valid, but below the level asked for (``--min-level``)
25    pdfa_nonconformant  signatures valid, but the PDF/A self-check found problems
26    unsigned            the PDF carries no signature
27    unreadable          not a readable PDF
====  ==================  ==========================================================================

Levels are detected, not trusted from the file: B-B (a signature), B-T (plus a valid signature
timestamp), B-LT (plus validation data in the DSS sufficient to validate the signer's and the TSA's
chains offline, revocation included), B-LTA (plus a valid document timestamp after the signature).
"""

from __future__ import annotations

import io
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import IntEnum
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from signing.config import LEVELS, SigningConfig
from signing.keys import load_certs
from signing.pdfa import pdfa_problems

log = logging.getLogger(__name__)


class Verdict(IntEnum):
    VALID = 0
    TAMPERED = 20
    INVALID = 21
    REVOKED = 22
    UNTRUSTED = 23
    LEVEL_TOO_LOW = 24
    PDFA_NONCONFORMANT = 25
    UNSIGNED = 26
    UNREADABLE = 27


VERDICT_VI = {
    Verdict.VALID: "hợp lệ",
    Verdict.TAMPERED: "đã bị sửa đổi sau khi ký",
    Verdict.INVALID: "chữ ký không hợp lệ",
    Verdict.REVOKED: "chứng thư số đã bị thu hồi",
    Verdict.UNTRUSTED: "chứng thư số không được tin cậy hoặc đã hết hạn",
    Verdict.LEVEL_TOO_LOW: "mức chữ ký thấp hơn yêu cầu",
    Verdict.PDFA_NONCONFORMANT: "tệp không đạt PDF/A",
    Verdict.UNSIGNED: "tệp chưa được ký",
    Verdict.UNREADABLE: "không đọc được tệp PDF",
}


@dataclass(frozen=True, slots=True)
class TimestampReport:
    time: datetime
    intact: bool
    valid: bool
    trusted: bool
    tsa: str
    tsa_cert_expires: datetime


@dataclass(frozen=True, slots=True)
class SignatureReport:
    field: str
    intact: bool
    valid: bool
    trusted: bool
    revoked: bool
    signer: str
    signer_cert_expires: datetime | None
    signing_time: datetime | None
    coverage: str
    modifications: str
    timestamp: TimestampReport | None
    ltv: bool
    ltv_detail: str
    level: str
    summary: str
    signer_org: str = ""
    """Organisation (O) of the signer's certificate."""
    signer_cert_valid_from: datetime | None = None
    trust_problem: str | None = None
    """pyHanko's AdES sub-indication when the chain did not validate (``NO_CERTIFICATE_CHAIN_FOUND``,
    ``REVOKED``, ``EXPIRED``, ``OUT_OF_BOUNDS_NO_POE``, ``TRY_LATER`` …), else None."""
    docmdp: str | None = None
    """The changes the signer allowed after signing (a certification signature's or a field lock's DocMDP
    permission: ``NO_CHANGES``, ``FILL_FORMS``, ``ANNOTATE``); None when the signature sets none."""
    changed_fields: tuple[str, ...] = ()
    """Form fields changed after this signature (difference analysis), later signatures included."""
    signed_revision: int = 0

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.revoked


@dataclass(frozen=True, slots=True)
class VerifyReport:
    signatures: tuple[SignatureReport, ...]
    pdfa_problems: tuple[str, ...] = field(default_factory=tuple)
    error: str | None = None
    doc_timestamps: tuple[TimestampReport, ...] = ()
    min_level: str | None = None

    @property
    def level(self) -> str | None:
        """The lowest level among the signatures (None when unsigned)."""
        if not self.signatures:
            return None
        return min((s.level for s in self.signatures), key=LEVELS.index)

    @property
    def newest_timestamp_expiry(self) -> datetime | None:
        """When the certificate of the newest timestamp (document or signature) expires."""
        stamps = [*self.doc_timestamps, *(s.timestamp for s in self.signatures if s.timestamp)]
        return max(stamps, key=lambda t: t.time).tsa_cert_expires if stamps else None

    @property
    def verdict(self) -> Verdict:
        if self.error:
            return Verdict.UNREADABLE
        if not self.signatures:
            return Verdict.UNSIGNED
        sigs = self.signatures
        if not all(s.intact for s in sigs) or any(s.modifications == "illegal" for s in sigs):
            return Verdict.TAMPERED
        if not all(s.valid for s in sigs):
            return Verdict.INVALID
        if any(s.revoked for s in sigs):
            return Verdict.REVOKED
        if not all(s.trusted for s in sigs) or any(not (t.intact and t.valid) for t in self.doc_timestamps):
            return Verdict.UNTRUSTED
        if self.min_level and LEVELS.index(self.level or "B-B") < LEVELS.index(self.min_level):
            return Verdict.LEVEL_TOO_LOW
        if self.pdfa_problems:
            return Verdict.PDFA_NONCONFORMANT
        return Verdict.VALID

    @property
    def ok(self) -> bool:
        return self.verdict == Verdict.VALID

    def as_dict(self) -> dict:
        d = asdict(self)
        d["verdict"] = self.verdict.name.lower()
        d["verdict_vi"] = VERDICT_VI[self.verdict]
        d["exit_code"] = int(self.verdict)
        d["level"] = self.level
        d["newest_timestamp_expiry"] = self.newest_timestamp_expiry
        return d


def load_roots(paths: list[Path]) -> list[x509.Certificate]:
    return load_certs(paths)


def _ts_report(st) -> TimestampReport:
    return TimestampReport(
        time=st.timestamp,
        intact=bool(st.intact),
        valid=bool(st.valid),
        trusted=bool(st.trusted),
        tsa=st.signing_cert.subject.human_friendly,
        tsa_cert_expires=st.signing_cert.not_valid_after,
    )


def _ltv_check(reader: PdfFileReader, sig, roots: list[x509.Certificate]) -> tuple[bool, str]:
    """Can the signature (and its timestamp) be validated from the DSS alone, revocation included?"""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:
        return False, "no DSS (document security store)"
    try:
        vc = dss.as_validation_context({"trust_roots": roots, "allow_fetching": False, "revocation_mode": "require"})
        status = validate_pdf_signature(sig, vc, ts_validation_context=vc, skip_diff=True)
    except Exception as e:
        return False, f"DSS validation failed: {type(e).__name__}: {e}"
    if not (status.intact and status.valid and status.trusted):
        return False, "DSS data do not validate the signer's chain: " + status.summary()
    ts = status.timestamp_validity
    if ts is None or not ts.trusted:
        return False, "signature timestamp missing or not validated from the DSS"
    return True, "signer and TSA chains validate offline from the embedded DSS"


def verify_pdf(
    data: bytes,
    trust_roots: list[Path] | list[x509.Certificate],
    *,
    crls: list[asn1_crl.CertificateList] = (),  # type: ignore[assignment]
    fetch: bool = False,
    min_level: str | None = None,
    other_certs: list[x509.Certificate] = (),  # type: ignore[assignment]
    revocation_mode: str = "soft-fail",
    check_pdfa: bool = True,
) -> VerifyReport:
    """Verify every signature and document timestamp of ``data`` against ``trust_roots``.

    ``fetch`` lets the validator fetch current OCSP/CRL data from the network (otherwise only what the
    file embeds and ``crls`` are used); ``min_level`` turns a lower level into a verdict. ``other_certs``
    are intermediate CA certificates the file may not embed; ``revocation_mode`` is pyHanko's
    (``soft-fail``, ``hard-fail``, ``require``); ``check_pdfa`` runs the PDF/A self-check (not for
    electronic originals, which are whatever their issuer made them).
    """
    roots = [r for r in trust_roots if isinstance(r, x509.Certificate)]
    roots += load_certs([Path(p) for p in trust_roots if not isinstance(p, x509.Certificate)])
    try:
        reader = PdfFileReader(io.BytesIO(data))
        sigs = list(reader.embedded_regular_signatures)
        doc_ts = list(reader.embedded_timestamp_signatures)
    except Exception as e:
        return VerifyReport((), (), f"unreadable PDF: {type(e).__name__}: {e}", min_level=min_level)

    def context() -> ValidationContext:
        kwargs: dict = {
            "trust_roots": roots,
            "allow_fetching": fetch,
            "crls": list(crls),
            "other_certs": list(other_certs),
            "revocation_mode": revocation_mode,
        }
        try:  # embedded validation data counts too
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        except Exception:
            return ValidationContext(**kwargs)

    stamps: list[TimestampReport] = []
    for ts in doc_ts:
        try:
            stamps.append(_ts_report(validate_pdf_timestamp(ts, context())))
        except Exception as e:
            log.warning("document timestamp %s could not be validated: %s", ts.field_name, e)
    reports = []
    for sig in sigs:
        try:
            status = validate_pdf_signature(sig, context(), ts_validation_context=context(), skip_diff=False)
        except Exception as e:
            reports.append(
                SignatureReport(
                    sig.field_name,
                    False,
                    False,
                    False,
                    False,
                    "",
                    None,
                    None,
                    "",
                    "",
                    None,
                    False,
                    "",
                    "B-B",
                    f"validation error: {type(e).__name__}: {e}",
                )
            )
            continue
        ts = _ts_report(status.timestamp_validity) if status.timestamp_validity is not None else None
        ltv, ltv_detail = _ltv_check(reader, sig, roots) if ts else (False, "no signature timestamp")
        level = "B-B"
        if ts and ts.intact and ts.valid:
            level = "B-T"
            if ltv:
                level = "B-LT"
                signed_end = sig.signed_revision
                if any(t.signed_revision > signed_end for t in doc_ts) and any(t.intact and t.valid for t in stamps):
                    level = "B-LTA"
        mod = status.modification_level
        cert = status.signing_cert
        diff = status.diff_result
        docmdp = sig.docmdp_level
        reports.append(
            SignatureReport(
                field=sig.field_name,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                revoked=bool(status.revoked),
                signer=status.signing_cert.subject.human_friendly,
                signer_cert_expires=status.signing_cert.not_valid_after,
                signing_time=status.signer_reported_dt,
                coverage=str(status.coverage.name if status.coverage else ""),
                modifications="illegal" if not status.docmdp_ok else (mod.name.lower() if mod else ""),
                timestamp=ts,
                ltv=ltv,
                ltv_detail=ltv_detail,
                level=level,
                summary=status.summary(),
                signer_org=_organisation(cert),
                signer_cert_valid_from=cert.not_valid_before,
                trust_problem=status.trust_problem_indic.name if status.trust_problem_indic else None,
                docmdp=docmdp.name if docmdp is not None else None,
                changed_fields=tuple(sorted(getattr(diff, "changed_form_fields", None) or ())),
                signed_revision=sig.signed_revision,
            )
        )
    problems = tuple(pdfa_problems(data)) if check_pdfa else ()
    return VerifyReport(tuple(reports), problems, None, tuple(stamps), min_level)


def _organisation(cert: x509.Certificate) -> str:
    try:
        return str(cert.subject.native.get("organization_name") or "")
    except Exception:
        return ""


def verify_configured(
    cfg: SigningConfig, pki_dir: Path, data: bytes, *, fetch: bool = False, min_level: str | None = None
) -> VerifyReport:
    """Verify against the configured trust roots (plus the demo roots and CRL while the backend is demo)."""
    from signing.keys import trust_roots
    from signing.pki import DemoPki

    crls = []
    demo = DemoPki(pki_dir)
    if cfg.backend == "demo" and demo.complete():
        crls.append(demo.crl())
    return verify_pdf(data, trust_roots(cfg, pki_dir), crls=crls, fetch=fetch, min_level=min_level)
