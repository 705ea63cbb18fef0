"""The shared vocabularies of the catalog: statuses of documents and batch items, and the pipeline's stages.

Everything that writes or reads a status (the batch driver, the workers, the API, the dashboard, the
reports) uses these names; the catalog stores their values as text.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Status of a document (``documents.status``) or of a batch item (``batch_items.status``)."""

    PENDING = "pending"
    """Item: planned, not yet taken by a run or a worker."""
    PROCESSING = "processing"
    """Document: claimed by a run that holds its lease. Item: being processed."""
    RETRYING = "retrying"
    """Item: a transient failure; the queue delivers the message again after a back-off."""
    ARCHIVED = "archived"
    """Signed, stored and catalogued; reusable."""
    NEEDS_REVIEW = "needs_review"
    """Signed and stored, held until a clerk confirms what was read."""
    QUARANTINED = "quarantined"
    """Bad input: kept with its reason, never retried by itself."""
    DUPLICATE = "duplicate"
    """Item: the same bytes were archived before."""
    FAILED = "failed"
    """A transient failure (store or catalog unreachable, time limit) after the last attempt; retried later."""
    ELSEWHERE = "elsewhere"
    """Item: another live run or worker was processing the same document; that run finishes it."""


FINAL_DOCUMENT_STATUSES = (Status.ARCHIVED, Status.NEEDS_REVIEW)
"""A document in one of these is in the warehouse: no run may claim it again or move it back."""
OPEN_ITEM_STATUSES = (Status.PENDING, Status.PROCESSING, Status.RETRYING)
FINAL_ITEM_STATUSES = (Status.ARCHIVED, Status.NEEDS_REVIEW, Status.QUARANTINED, Status.DUPLICATE, Status.ELSEWHERE)
ITEM_STATUSES = tuple(Status)
"""Every item status, in the order reports list them."""

STATUS_VI = {
    Status.PENDING: "chờ xử lý",
    Status.PROCESSING: "đang xử lý",
    Status.RETRYING: "chờ thử lại",
    Status.ARCHIVED: "đã lưu trữ",
    Status.NEEDS_REVIEW: "cần kiểm tra",
    Status.QUARANTINED: "cách ly",
    Status.DUPLICATE: "trùng",
    Status.FAILED: "lỗi tạm thời",
    Status.ELSEWHERE: "đang xử lý ở lượt khác",
}
"""What a clerk reads for each status."""

STAGES = ("ingest", "ocr", "classify", "codes", "pdf", "sign", "store", "catalog")
"""The pipeline's stages in order: the names of ``pipeline.stages.STAGES``, of the ``stage_timings`` events
(``detail.seconds.<stage>``) the KPIs read, and of the ``sohoa_stage_seconds{stage}`` metric."""
