"""Judge an electronic original: a PDF that arrives already signed by the agency that issued it.

The original is the legal object: sohoa never re-saves it, converts it or signs it again. What it does is check
every signature with pyHanko (:func:`signing.verify.verify_pdf`: integrity, the byte range, what was added after
each signature by incremental update and whether the signer allowed it, the chain against the ``[trust]`` roots,
revocation, timestamps, PAdES level) and turn the result into an :class:`OriginalCheck`:

* ``valid`` — every signature intact, covering its whole revision, nothing changed after it but later
  signatures, validation data or what the signer's DocMDP permission allows, chain trusted and not revoked;
* ``review`` — readable, but a clerk must decide; each reason is a :class:`Finding` (code, Vietnamese,
  English): modified after signing, untrusted root, revoked, expired certificate, partial byte range …;
* ``unreadable`` — the file cannot be parsed as a signed PDF at all (the batch quarantines it).

Nothing about a file is taken on trust: a signature the validator could not judge is a finding, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from asn1crypto import crl as asn1_crl
from asn1crypto import x509

from signing.config import SigningConfig, TrustConfig
from signing.keys import load_certs
from signing.verify import SignatureReport, VerifyReport, verify_pdf

Outcome = Literal["valid", "review", "unreadable"]

# pyHanko's modification levels, lowest first (``pyhanko.sign.diff_analysis.ModificationLevel``)
_HARMLESS = {"none", "lta_updates"}
_ALLOWED_BY = {"form_filling": ("FILL_FORMS", "ANNOTATE"), "annotations": ("ANNOTATE",)}
_EXPIRED = {"EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID"}
_REVOKED = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
_NO_REVINFO = {"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a clerk must look at the original."""

    code: str
    en: str
    vi: str
    field: str | None = None
    """The signature field it concerns (None: the whole file)."""

    @property
    def reason(self) -> str:
        """As the review queue shows it: ``signature_<code>: <field>``."""
        return f"signature_{self.code}" + (f": {self.field}" if self.field else "")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "vi": self.vi, "en": self.en}


@dataclass(frozen=True, slots=True)
class OriginalCheck:
    report: VerifyReport
    findings: tuple[Finding, ...]
    validated_at: datetime
    notes: tuple[str, ...] = field(default_factory=tuple)
    """What is fine but worth knowing (a later signature, form filling the signer allowed)."""

    @property
    def outcome(self) -> Outcome:
        if self.report.error:
            return "unreadable"
        return "review" if self.findings else "valid"

    @property
    def signature(self) -> SignatureReport | None:
        """The issuer's signature: the first one applied (the lowest revision)."""
        sigs = sorted(self.report.signatures, key=lambda s: s.signed_revision)
        return sigs[0] if sigs else None

    @property
    def signer_name(self) -> str:
        s = self.signature
        return _common_name(s.signer) if s else ""

    @property
    def signer_org(self) -> str:
        return self.signature.signer_org if self.signature else ""

    @property
    def signed_at(self) -> datetime | None:
        """When the issuer signed: its trusted timestamp if any, else the time it claims."""
        s = self.signature
        if s is None:
            return None
        if s.timestamp is not None and s.timestamp.intact and s.timestamp.valid:
            return s.timestamp.time
        return s.signing_time

    @property
    def revoked(self) -> bool:
        return any(f.code == "revoked" for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        """The validation report kept in the catalog and beside the stored object."""
        report = self.report.as_dict()
        for k in ("pdfa_problems", "exit_code", "min_level"):
            report.pop(k, None)
        return _jsonable(
            {
                "outcome": self.outcome,
                "validated_at": self.validated_at,
                "signer_name": self.signer_name,
                "signer_org": self.signer_org,
                "signed_at": self.signed_at,
                "level": self.report.level,
                "findings": [f.as_dict() for f in self.findings],
                "notes": list(self.notes),
                "report": report,
            }
        )


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, datetime):
        return v.isoformat()
    return v


def _common_name(subject: str) -> str:
    """The CN of pyHanko's "human friendly" subject (``Common Name: X, Organization: Y``), else all of it."""
    for part in subject.split(", "):
        key, _, value = part.partition(": ")
        if key == "Common Name" and value:
            return value
    return subject


def judge(report: VerifyReport) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """Findings (each sends the original to review) and notes, from a verification report."""
    findings: list[Finding] = []
    notes: list[str] = []
    if report.error:
        return (Finding("unreadable", report.error, "không đọc được tệp PDF đã ký"),), ()
    if not report.signatures:
        return (Finding("missing", "the PDF carries no signature", "tệp PDF không có chữ ký số"),), ()
    sig_fields = {s.field for s in report.signatures}
    for s in report.signatures:
        f = s.field
        if s.summary.startswith("validation error"):
            findings.append(Finding("unverifiable", s.summary, "không kiểm tra được chữ ký", f))
            continue
        if not s.intact:
            findings.append(
                Finding("tampered", "the signed bytes changed after signing", "nội dung đã bị sửa sau khi ký", f)
            )
        elif not s.valid:
            findings.append(
                Finding("invalid", "the signature value is cryptographically invalid", "giá trị chữ ký không hợp lệ", f)
            )
        if s.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
            findings.append(
                Finding(
                    "partial_coverage",
                    f"the signature's byte range does not cover its whole revision ({s.coverage or 'unclear'})",
                    "vùng ký không bao trùm toàn bộ phiên bản tài liệu được ký",
                    f,
                )
            )
        mod = s.modifications or ""
        later = set(s.changed_fields) - {f}
        if mod == "illegal" or mod == "other":
            findings.append(
                Finding(
                    "modified_after_signing",
                    "the document was changed after signing (pages, content or objects the signature covered)",
                    "tài liệu đã bị thay đổi sau khi ký (trang, nội dung hoặc đối tượng đã ký)",
                    f,
                )
            )
        elif mod not in _HARMLESS and mod:
            only_signatures = later <= sig_fields
            if mod == "form_filling" and only_signatures:
                notes.append(f"{f}: later signatures added ({', '.join(sorted(later)) or '—'})")
            elif s.docmdp in _ALLOWED_BY.get(mod, ()):
                notes.append(f"{f}: {mod.replace('_', ' ')} after signing, allowed by the signer ({s.docmdp})")
            else:
                what_en = "annotations were added" if mod == "annotations" else "form fields were filled"
                what_vi = "đã thêm chú thích/lớp phủ" if mod == "annotations" else "đã điền thêm trường biểu mẫu"
                findings.append(
                    Finding(
                        "changed_after_signing",
                        f"{what_en} after signing, which the signer did not allow",
                        f"{what_vi} sau khi ký mà người ký không cho phép",
                        f,
                    )
                )
        problem = s.trust_problem or ""
        if s.revoked or problem in _REVOKED:
            findings.append(Finding("revoked", "the signer's certificate is revoked", "chứng thư số đã bị thu hồi", f))
        elif problem in _EXPIRED:
            findings.append(
                Finding(
                    "expired",
                    "the signer's certificate was not valid at the validation time and no timestamp proves the "
                    "signature was made while it was",
                    "chứng thư số đã hết hạn (hoặc chưa có hiệu lực) và không có dấu thời gian chứng minh thời điểm ký",
                    f,
                )
            )
        elif problem in _NO_REVINFO:
            findings.append(
                Finding(
                    "revocation_unknown",
                    "the revocation status of the signer's certificate could not be established",
                    "không xác định được tình trạng thu hồi của chứng thư số",
                    f,
                )
            )
        elif not s.trusted:
            findings.append(
                Finding(
                    "untrusted",
                    f"the signer's certificate chain does not reach a trusted root ({problem or 'not trusted'})",
                    "chứng thư số không thuộc chuỗi tin cậy đã cấu hình (CA gốc chưa được tin cậy hoặc tự ký)",
                    f,
                )
            )
        t = s.timestamp
        if t is not None and not (t.intact and t.valid and t.trusted):
            findings.append(
                Finding(
                    "timestamp_invalid", "the signature timestamp does not validate", "dấu thời gian không hợp lệ", f
                )
            )
    for t in report.doc_timestamps:
        if not (t.intact and t.valid and t.trusted):
            findings.append(
                Finding(
                    "timestamp_invalid", "a document timestamp does not validate", "dấu thời gian tài liệu không hợp lệ"
                )
            )
    return tuple(dict.fromkeys(findings)), tuple(notes)


@dataclass(frozen=True)
class TrustStore:
    """What a validation trusts: roots, intermediates, CRLs issued in process (the demo PKI) and the policy."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    fetch: bool = False
    revocation_mode: str = "soft-fail"


def trust_store(trust: TrustConfig, signing: SigningConfig, pki_dir: Path, *, fetch: bool | None = None) -> TrustStore:
    """The ``[trust]`` roots and intermediates (and ``signing.trust_roots``); the demo PKI and its CRL only in
    demo mode (``signing.backend = "demo"``) unless ``trust.trust_demo`` says otherwise."""
    from signing.pki import DemoPki

    roots = load_certs([*trust.roots, *signing.trust_roots])
    crls: list[asn1_crl.CertificateList] = []
    demo = DemoPki(pki_dir)
    trust_demo = trust.trust_demo if trust.trust_demo is not None else signing.backend == "demo"
    if trust_demo and demo.complete():
        roots.extend(demo.trust_root_certs())
        crls.append(demo.crl())
    return TrustStore(
        tuple(roots),
        tuple(load_certs(trust.intermediates)),
        tuple(crls),
        trust.fetch_revocation if fetch is None else fetch,
        trust.revocation_mode,
    )


def validate_original(data: bytes, store: TrustStore, *, now: datetime | None = None) -> OriginalCheck:
    """Check every signature of an electronic original against ``store``; never raises for a bad file."""
    report = verify_pdf(
        data,
        list(store.roots),
        crls=list(store.crls),
        fetch=store.fetch,
        other_certs=list(store.intermediates),
        revocation_mode=store.revocation_mode,
        check_pdfa=False,
    )
    findings, notes = judge(report)
    return OriginalCheck(report, findings, now or datetime.now(UTC), notes)


_VERDICT_OF = {
    "tampered": "TAMPERED",
    "modified_after_signing": "TAMPERED",
    "changed_after_signing": "TAMPERED",
    "partial_coverage": "TAMPERED",
    "invalid": "INVALID",
    "unverifiable": "INVALID",
    "revoked": "REVOKED",
    "untrusted": "UNTRUSTED",
    "expired": "UNTRUSTED",
    "revocation_unknown": "UNTRUSTED",
    "timestamp_invalid": "UNTRUSTED",
    "unreadable": "UNREADABLE",
    "missing": "UNSIGNED",
}


def verdict_of(check: OriginalCheck):
    """The ``sohoa verify`` verdict (:class:`signing.verify.Verdict`) of an electronic original: the gravest of its
    findings, in the order the verdicts are tested (tampered first), or valid."""
    from signing.verify import Verdict

    found = {Verdict[_VERDICT_OF[f.code]] for f in check.findings}
    order = (
        Verdict.UNREADABLE,
        Verdict.UNSIGNED,
        Verdict.TAMPERED,
        Verdict.INVALID,
        Verdict.REVOKED,
        Verdict.UNTRUSTED,
    )
    return next((v for v in order if v in found), Verdict.VALID)
