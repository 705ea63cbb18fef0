"""Logging set-up of every entry point, and structured (JSON lines) logs for workers; never personal data.

The pipeline's own messages only carry batch ids, item numbers, statuses, reason codes and masked owner
IDs (``catalog.codes.mask_id``); this formatter adds no record attributes beyond those, so what a log
collector indexes is safe to keep.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import warnings
from datetime import UTC, datetime

OUR_PACKAGES = ("pipeline", "ocr", "signing", "archive", "catalog", "scripts")


def quiet_third_party_warnings() -> None:
    """Deprecation notices of the libraries we use (e.g. cryptography's about DSA, printed when pyHanko is
    imported) are for their developers and ours, not for a clerk: they are not shown. Our own warnings are."""
    ours = "|".join(OUR_PACKAGES)
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning):
        # a third party's deprecation (cryptography's CryptographyDeprecationWarning is a UserWarning)
        warnings.filterwarnings("ignore", message=r".*deprecat", category=category, module=rf"(?!({ours})(\.|$))")


def setup_logging(level: str) -> None:
    """Plain logs for the command line at ``level``, without the libraries' chatter."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.WARNING), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Font subsetting chatter from fontTools is not the operator's concern.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # pyHanko warns about what our own verification reports (e.g. demo revocation data issued in process).
    logging.getLogger("pyhanko").setLevel(logging.ERROR)


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.host = socket.gethostname()

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "host": self.host,
            "pid": record.process,
            "thread": record.threadName,
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def setup_worker_logging(level: str) -> None:
    """JSON lines on the worker's log stream (``SOHOA_LOG_FORMAT=text`` keeps dramatiq's plain format)."""
    root = logging.getLogger()
    if level:
        root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.getLogger("sohoa").setLevel(getattr(logging, (level or "INFO").upper(), logging.INFO))
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request to the national warehouse
    if os.environ.get("SOHOA_LOG_FORMAT", "json") == "json":
        for h in root.handlers:
            h.setFormatter(JsonFormatter())
