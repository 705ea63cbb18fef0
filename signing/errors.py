"""Errors of the signing layer."""


class SigningError(Exception):
    """Root of the signing layer's errors."""

    reason_code = "signing_failed"
    exit_code = 7  # pipeline.errors.ExitCode.SIGNING
    retryable = False

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi or en


class SignerUnavailable(SigningError):
    """The key (file, token) cannot be used: wrong passphrase, token absent, file missing."""

    reason_code = "signer_unavailable"
    systemic = True  # every document would fail the same way: stop the batch


class TimestampUnavailable(SigningError):
    """The timestamp authority did not answer; retrying later may help."""

    reason_code = "tsa_unavailable"
    retryable = True


class PdfBuildError(SigningError):
    reason_code = "pdf_build_failed"


class PdfANonConformant(SigningError):
    """The built PDF fails the PDF/A self-check."""

    reason_code = "pdfa_nonconformant"


class RevocationUnavailable(SigningError):
    """OCSP responses or CRLs for a B-LT/B-LTA signature could not be gathered; retrying later may help."""

    reason_code = "revocation_unavailable"
    retryable = True
