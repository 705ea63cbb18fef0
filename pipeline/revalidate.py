"""Re-validate electronic originals (``sohoa nightly revalidate``): a signature that validated when the paper
arrived may stop validating — its signer's certificate revoked, its issuing CA withdrawn from the trust store.

Every night the electronic originals last validated more than ``max_age`` ago are read back from the warehouse
(the stored bytes, checked against the catalog's SHA-256) and validated again against today's trust store and
revocation data (``[trust] fetch_revocation``). The catalog row is updated; an archived paper whose signature no
longer validates goes to review and the national portal hears a ``revoke`` change, in one transaction
(``catalog.originals.revalidated``). A paper whose stored bytes no longer match is reported, never judged valid.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from catalog.originals import revalidated, to_revalidate
from pipeline.errors import describe
from pipeline.nightly.registry import JobReport
from pipeline.originals import as_record, trust_for

if TYPE_CHECKING:
    from pipeline.deps import Deps

log = logging.getLogger(__name__)
NAME = "revalidate"


def revalidate(
    deps: Deps,
    *,
    max_age: timedelta = timedelta(hours=20),
    limit: int | None = None,
    fetch: bool | None = None,
    now: datetime | None = None,
    actor: str = "nightly",
) -> JobReport:
    from signing.originals import validate_original

    now = now or datetime.now(UTC)
    counts = {"checked": 0, "still_valid": 0, "invalidated": 0, "still_review": 0, "valid_again": 0, "failed": 0}
    report = JobReport(NAME, summary=counts)
    trust = trust_for(deps.config, fetch=fetch)
    for doc_key, pdf_key in to_revalidate(deps.catalog, before=now - max_age, limit=limit):
        counts["checked"] += 1
        try:
            if not pdf_key:
                raise LookupError("the document has no stored file")
            data = deps.store.get(pdf_key)
            doc = deps.catalog.get(doc_key)
            if doc is not None and doc.pdf_sha256 and hashlib.sha256(data).hexdigest() != doc.pdf_sha256:
                raise ValueError("the stored bytes differ from those archived (SHA-256)")
            check = as_record(validate_original(data, trust, now=now))
            result = revalidated(
                deps.catalog,
                doc_key,
                outcome=check.outcome if check.outcome != "unreadable" else "review",
                reasons=list(check.reasons),
                report=dict(check.report),
                level=check.level,
                validated_at=now,
                actor=actor,
                revoked=any(r.startswith("signature_revoked") for r in check.reasons),
            )
            if result in counts:
                counts[result] += 1
        except Exception as e:
            f = describe(e)
            counts["failed"] += 1
            report.ok = False
            log.warning("revalidate %s… failed: %s", doc_key[:12], f.reason_code)
            deps.catalog.record_event(
                "revalidate_failed", actor, doc_key=doc_key, detail={"reason_code": f.reason_code, "reason": f.en}
            )
    return report
