"""Data for the review-queue tests: documents waiting for review (fixtures in ``fixtures_review``)."""

from __future__ import annotations

import hashlib

from catalog.db import Catalog
from catalog.status import Status

AGENCY = "000.00.16.H42"
GOOD_ID = "037203012345"  # Ninh Bình, born 2003, male


def add_waiting(
    catalog: Catalog, n: int, *, type_code: str | None = "GKS", owner: str | None = GOOD_ID, reasons=None
) -> str:
    """A document that went to review; returns its code."""
    key = hashlib.sha256(str(n).encode()).hexdigest()
    b = catalog.begin_batch("clerk-01", AGENCY, "/in", batch_id=f"B-{n}")
    catalog.claim(
        key,
        holder="seed",
        batch_id=b,
        input_name=f"{n}.png",
        agency=AGENCY,
        operator="clerk-01",
        kind="result",
        procedure=None,
    )
    code = f"{AGENCY}-261121-{n:04d}.01"
    catalog.update_document(
        key,
        status=Status.NEEDS_REVIEW,
        doc_code=code,
        type_code=type_code,
        type_name="Giấy khai sinh" if type_code == "GKS" else None,
        type_confidence=0.55,
        type_candidates=[["GKS", 0.55], ["TLKS", 0.3], ["TK", 0.05]],
        owner_id=owner,
        review_reasons=reasons or ["field_uncertain: full_name (ocr_word_confidence 61)"],
        fields={
            "id_number": {"value": GOOD_ID, "confidence": 0.95},
            "full_name": {"value": "Nguyễn Thị My", "confidence": 0.45, "problem": "ocr_word_confidence 61"},
            "date_of_birth": {"value": "2003-02-01", "confidence": 0.93},
            "issue_date": {"value": "2003-03-01", "confidence": 0.9},
        },
        text="GIẤY KHAI SINH …",
    )
    return code
