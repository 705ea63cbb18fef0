"""The pipeline's error root and the one place that turns any error into a reason and an exit code.

Each layer has its own error root (``ocr.errors.OcrError``, ``signing.errors.SigningError``,
``archive.errors.ArchiveError``, ``catalog.errors.CatalogError``); all carry ``reason_code``,
``exit_code``, ``retryable`` and a Vietnamese message ``vi``. ``describe`` reads those attributes so
the pipeline needs no table of foreign classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

_ID_TOKEN = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{3,6}(\d{3})(?![0-9A-Za-z])")
"""A personal ID number (12 digits), an old 9-digit ID or an enterprise code standing alone in a message."""


def mask_ids(text: str) -> str:
    """``text`` with every ID-number-like token masked (``037******589``): what an error message may carry."""
    return _ID_TOKEN.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 6) + m.group(2), text)


class ExitCode(IntEnum):
    OK = 0
    ITEMS_FAILED = 1  # the batch ran; some items were quarantined or failed
    USAGE = 2  # wrong command-line usage (typer's own code)
    INPUT = 3  # input folder, manifest or argument is unusable
    MISSING_DEPENDENCY = 4  # Tesseract, a language model or poppler is missing
    STORAGE = 5  # the object store is unavailable
    CATALOG = 6  # the catalog database is unavailable
    SIGNING = 7  # the signing key or timestamp authority is unusable
    OCR = 8  # OCR failed for a reason other than the input
    CONFIG = 9  # configuration is invalid
    NOT_FOUND = 10  # the document or batch asked for does not exist
    BUSY = 11  # another run holds the lock (sohoa nightly); nothing was done
    INTERRUPTED = 130  # Ctrl-C / SIGTERM; re-running resumes


class PipelineError(Exception):
    reason_code = "pipeline_error"
    exit_code = ExitCode.INPUT
    retryable = False

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi or en


class InputError(PipelineError):
    """A batch item (manifest row, file path, declared value) is unusable; quarantined, never retried."""

    reason_code = "bad_input"


class ConfigError(PipelineError):
    reason_code = "config_invalid"
    exit_code = ExitCode.CONFIG
    systemic = True


class DuplicateDocument(PipelineError):
    """The same bytes were archived before; carries the existing document code."""

    reason_code = "duplicate"

    def __init__(self, existing_code: str | None) -> None:
        super().__init__(f"already archived as {existing_code}", f"đã lưu trữ với mã {existing_code}")
        self.existing_code = existing_code


@dataclass(frozen=True, slots=True)
class Failure:
    reason_code: str
    en: str
    vi: str
    exit_code: int
    retryable: bool
    bad_input: bool
    systemic: bool = False

    @property
    def message(self) -> str:
        """What a clerk reads: Vietnamese first, then English."""
        return self.en if self.vi == self.en else f"{self.vi} / {self.en}"


def describe(exc: BaseException) -> Failure:
    """Reason, messages, exit code and retry advice for any exception. ID numbers in the messages are masked: they
    are written to the catalog, logs and stderr."""
    reason_code = getattr(exc, "reason_code", None)
    if reason_code is None:
        return Failure(
            "internal_error",
            mask_ids(f"internal error: {type(exc).__name__}: {exc}"),
            mask_ids(f"lỗi hệ thống: {type(exc).__name__}: {exc}"),
            ExitCode.ITEMS_FAILED,
            False,
            False,
        )
    exit_code = int(getattr(exc, "exit_code", ExitCode.ITEMS_FAILED))
    return Failure(
        reason_code=str(reason_code),
        en=mask_ids(str(exc)),
        vi=mask_ids(str(getattr(exc, "vi", str(exc)))),
        exit_code=exit_code,
        retryable=bool(getattr(exc, "retryable", False)),
        bad_input=exit_code == ExitCode.INPUT,
        systemic=bool(getattr(exc, "systemic", False)),
    )
