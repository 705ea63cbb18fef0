"""Frozen job records passed from stage to stage. Messages and records carry keys and paths, never
image bytes; page images live in the job's work folder until the document is stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from catalog.fields import FieldValue
from catalog.parties import PaperOwner
from catalog.status import Status
from ocr.model import PageText
from ocr.sources import SourceInfo

Kind = Literal["result", "component"]


@dataclass(frozen=True, slots=True)
class Declared:
    """What the manifest says about an item (all optional)."""

    dossier: str | None = None
    kind: Kind = "result"
    owner_id: str | None = None
    procedure: str | None = None
    type_code: str | None = None
    agency: str | None = None
    notes: tuple[str, ...] = ()
    """Why a clerk must check this document before it is reused (e.g. a code on its stack that could not be
    followed); they join the review reasons."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Declared:
        values = dict(data)
        values["notes"] = tuple(values.get("notes") or ())
        return cls(**values)


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One item of a batch before any work: a manifest row, or one file when there is no manifest."""

    ordinal: int
    input: str
    files: tuple[str, ...]
    declared: Declared = Declared()
    problem: tuple[str, str, str] | None = None
    """(reason_code, en, vi) when the item is unusable before any file is read."""
    pages_hint: int = 1
    pages: tuple[int, ...] | None = None
    """Pages (from 0) of the one file that make this document, when it was cut from a stack; None: all."""
    stack: Mapping[str, Any] | None = None
    """Where it was cut from: the stack's input name, the part's number and count, what started it, the pages
    of the stack dropped (separator sheets, blank backs) — for the batch report and the review of the split."""

    def to_json(self) -> dict[str, Any]:
        """The plan kept with the batch item in the catalog (``batch_items.plan``): what any run or worker
        needs to process the item later, on any machine that sees the input folder."""
        return {
            "files": list(self.files),
            "declared": asdict(self.declared),
            "problem": list(self.problem) if self.problem else None,
            "pages_hint": self.pages_hint,
        } | ({"pages": list(self.pages), "stack": dict(self.stack or {})} if self.pages is not None else {})

    @classmethod
    def from_json(cls, ordinal: int, input_name: str, plan: Mapping[str, Any]) -> PlannedItem:
        problem = plan.get("problem")
        return cls(
            ordinal,
            input_name,
            tuple(plan.get("files") or ()),
            Declared.from_json(plan.get("declared") or {}),
            (problem[0], problem[1], problem[2]) if problem else None,
            int(plan.get("pages_hint") or 1),
            tuple(plan["pages"]) if plan.get("pages") is not None else None,
            plan.get("stack"),
        )


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    name: str
    sha256: str
    size: int
    media_type: str = ""
    pages: int = 0
    info: SourceInfo | None = None
    active_content: tuple[str, ...] = ()
    """What an input PDF carries besides pages (JavaScript, embedded files …, ``ocr.pdfcheck``): flagged for review."""
    selected: tuple[int, ...] | None = None
    """The pages (from 0) of this file that belong to the document, when it is one part of a scanned stack."""


@dataclass(frozen=True, slots=True)
class ElectronicOriginal:
    """What the validation of an already-signed input PDF found (``signing.originals``): the PDF itself is the
    document's legal object, stored byte for byte; no PDF/A is built and nothing is signed again."""

    outcome: str
    """``valid`` or ``review`` (an unreadable signed PDF is quarantined, it never gets here)."""
    reasons: tuple[str, ...]
    """Review reasons, ``signature_<code>: <field>`` (empty when valid)."""
    report: Mapping[str, Any]
    """The validation report (``OriginalCheck.as_dict``): kept in the catalog and beside the object."""
    signer_name: str
    signer_org: str
    signed_at: datetime | None
    level: str | None
    validated_at: datetime


@dataclass(frozen=True, slots=True)
class PageRecord:
    index: int
    source: int
    source_page: int
    width: int
    height: int
    dpi: float
    dpi_estimated: bool
    rotation: int
    skew: float
    image_path: str
    """Archival JPEG of the upright colour page, in the job's work folder."""
    text: PageText
    dpi_source: str = "file"
    """Where ``dpi`` comes from: ``file``, ``content`` (measured on the text), ``page_size`` or ``default``."""


@dataclass(frozen=True, slots=True)
class DocumentJob:
    key: str
    """SHA-256 of the document's bytes (of the file, or of the files' digests in order): the idempotency key."""
    batch_id: str
    input: str
    agency: str
    operator: str
    work_dir: str
    sources: tuple[SourceFile, ...]
    declared: Declared = Declared()
    holder: str = ""
    """The run's claim on the document (``Catalog.claim``): its catalog writes name it, so they change nothing
    once another run has taken the document over."""
    pages: tuple[PageRecord, ...] = ()
    text: str | None = None
    ocr_confidence: float | None = None
    type_code: str | None = None
    type_name: str | None = None
    type_confidence: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    owner_id: str | None = None
    owner_key: str | None = None
    """The owner's opaque folder name in the warehouse (``archive.layout.owner_key``), resolved by the store stage."""
    owners: tuple[PaperOwner, ...] = ()
    """Everyone the paper belongs to, with their role (``catalog.parties``); ``owner_id`` is the primary one."""
    review: tuple[str, ...] = ()
    """Why the document needs a clerk's confirmation (empty = archived for reuse)."""
    dossier_code: str | None = None
    ordinal: int | None = None
    doc_code: str | None = None
    paper_code: str | None = None
    pdf_path: str | None = None
    signed_at: datetime | None = None
    signature_level: str | None = None  # PAdES level signed at (B-B … B-LTA)
    timestamp_expires_at: datetime | None = None  # newest timestamp certificate's expiry (renewal)
    objects: Mapping[str, str] = field(default_factory=dict)
    pdf_key: str | None = None
    pdf_sha256: str | None = None
    original: ElectronicOriginal | None = None
    """Set when the input is an electronic original (an already-signed PDF): see :class:`ElectronicOriginal`."""

    @property
    def status(self) -> Status:
        return Status.NEEDS_REVIEW if self.review else Status.ARCHIVED


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one batch item."""

    ordinal: int
    input: str
    status: Status
    reason_code: str | None = None
    reason: str | None = None
    job: DocumentJob | None = None
    existing_code: str | None = None
    pages: int = 0
    key: str | None = None
    """SHA-256 identifying the input, when it could be read."""
