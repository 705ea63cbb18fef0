"""Renewal of long-term signatures: a new document timestamp before the newest one's certificate expires.

PAdES B-LTA keeps a signature verifiable for decades by chaining document timestamps: each renewal first
adds to the DSS the validation data (certificates, OCSP/CRL) of the previous timestamp, then timestamps
the whole file again with a TSA certificate that lives longer. The original bytes stay untouched (an
incremental update), so every earlier signature still covers exactly what it covered.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

from signing.errors import SigningError, TimestampUnavailable
from signing.keys import Timestamping
from signing.sign import signing_failure
from signing.verify import VerifyReport


@dataclass(frozen=True, slots=True)
class RenewalDecision:
    due: bool
    reason: str
    expires: datetime | None


def renewal_due(report: VerifyReport, now: datetime, window: timedelta) -> RenewalDecision:
    """Does this copy need a new document timestamp now?"""
    if not report.signatures:
        return RenewalDecision(False, "unsigned", None)
    expires = report.newest_timestamp_expiry
    if expires is None:
        return RenewalDecision(True, "no timestamp yet", None)
    if expires - now <= window:
        return RenewalDecision(True, f"newest timestamp certificate expires {expires.date().isoformat()}", expires)
    return RenewalDecision(False, f"newest timestamp certificate valid until {expires.date().isoformat()}", expires)


def add_document_timestamp(data: bytes, ts: Timestamping) -> bytes:
    """``data`` plus DSS validation data for its last timestamp and a new document timestamp."""
    if ts.timestamper is None:
        raise TimestampUnavailable(
            "renewal needs a timestamp authority (signing.tsa_url)", "gia hạn cần máy chủ cấp dấu thời gian"
        )
    try:
        reader = PdfFileReader(io.BytesIO(data))
        out = PdfTimeStamper(ts.timestamper).update_archival_timestamp_chain(
            reader, ts.validation_context(), in_place=False
        )
    except SigningError:
        raise
    except Exception as e:
        raise signing_failure(e, True) from e
    return out.getvalue()
