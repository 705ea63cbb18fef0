"""Errors raised by the OCR layer.

Every error carries an English message (``str(exc)``), a Vietnamese one (``exc.vi``) for the clerk,
a stable ``reason_code``, the process ``exit_code`` it maps to, and whether retrying can help.
"""


class OcrError(Exception):
    """Root of the OCR layer's errors."""

    reason_code = "ocr_failed"
    exit_code = 8
    retryable = False

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi or en

    def __reduce__(self):  # keep the Vietnamese message when a worker process sends the error back
        return (self.__class__, (str(self), self.vi))


class MissingDependency(OcrError):
    """Tesseract, a language model or poppler is not installed."""

    reason_code = "missing_dependency"
    exit_code = 4
    systemic = True  # every document would fail the same way: stop the batch


class OcrTimeout(OcrError):
    """Tesseract exceeded the per-page time limit."""

    reason_code = "ocr_timeout"
    retryable = True


class BadInput(OcrError):
    """The input file cannot be used as a scan; the item is quarantined, never retried."""

    reason_code = "bad_input"
    exit_code = 3


class EmptyFile(BadInput):
    reason_code = "empty_file"


class UnsupportedFormat(BadInput):
    reason_code = "unsupported_format"


class UnreadableImage(BadInput):
    reason_code = "unreadable_image"


class DecompressionBomb(BadInput):
    reason_code = "decompression_bomb"


class EncryptedPdf(BadInput):
    reason_code = "encrypted_pdf"


class SignedPdf(BadInput):
    """An already-signed PDF given together with other files as one item: an electronic original is its own
    document (issue 19), kept byte for byte."""

    reason_code = "signed_pdf"


class UnreadableSignedPdf(BadInput):
    """A PDF that carries a signature but whose signatures cannot be parsed at all."""

    reason_code = "unreadable_signed_pdf"


class TooManyPages(BadInput):
    reason_code = "too_many_pages"


class ImageTooSmall(BadInput):
    reason_code = "image_too_small"


class TimeBudgetExceeded(OcrError):
    """A document took longer than its time budget (proportional to its pages)."""

    reason_code = "time_budget_exceeded"
