"""A reviewer corrects how a scanned stack was cut: pages moved between documents, documents merged or split.

The correction is the stack's new list of documents, each its pages (from 1), e.g. ``1;3-4,6;8``: moving,
merging and splitting are all said this way. Every page that was in a document must be in one again, or be
dropped on purpose (``drop``): nothing is lost by a correction. Then:

* documents whose pages did not change stay as they are;
* each new page set becomes an item of a new batch over the same stack (from its input folder, or from the
  warehouse, where the stack is kept byte for byte), processed like any other: OCR, codes, signature, warehouse;
  its dossier and type are those of the document its first page was in, unless the reviewer says otherwise;
* each document whose pages changed is withdrawn from reuse: back to ``needs_review`` with the reason and the
  pages' new documents, and — if it had been sent to the national portal's warehouse — a ``revoke``.

Every correction is an event (who, when, the old and new split).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from archive.store import ObjectStore
from catalog.codes import validate_dossier_code
from catalog.db import Catalog
from catalog.errors import CatalogError
from catalog.status import Status
from catalog.types import DocumentTypes
from pipeline.model import Declared, PlannedItem
from pipeline.split_report import stack_report
from pipeline.stacks import page_ranges


class ResplitError(CatalogError):
    """A correction that cannot be done as asked (unknown stack, a page twice, a page lost …)."""

    reason_code = "resplit_refused"
    exit_code = 3


def _refuse(en: str, vi: str) -> ResplitError:
    return ResplitError(en, vi)


_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_pages(text: str) -> list[int]:
    """``3-4,6`` → ``[3, 4, 6]`` (pages from 1)."""
    pages: list[int] = []
    for chunk in text.split(","):
        m = _RANGE.match(chunk)
        if not m:
            raise _refuse(
                f"cannot read the pages {text!r} (e.g. 3-4,6)", f"không đọc được các trang {text!r} (vd. 3-4,6)"
            )
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if b < a:
            raise _refuse(f"page range {chunk.strip()!r} runs backwards", f"khoảng trang {chunk.strip()!r} bị ngược")
        pages.extend(range(a, b + 1))
    return pages


def parse_parts(text: str) -> list[list[int]]:
    """``1;3-4,6;8`` → three documents."""
    parts = [parse_pages(p) for p in text.split(";") if p.strip()]
    if not parts:
        raise _refuse("the corrected split names no document", "cách tách mới không có tài liệu nào")
    return parts


@dataclass
class Correction:
    parts: list[list[int]]
    """The stack's documents, each its pages from 1, in order."""
    dossiers: dict[int, str] = field(default_factory=dict)
    """Document number (from 1) → dossier code, where the reviewer sets it."""
    types: dict[int, str] = field(default_factory=dict)
    drop: set[int] = field(default_factory=set)
    """Pages that were in a document and are now in none, on purpose."""


@dataclass
class Resplit:
    stack: dict
    file: Path
    items: list[PlannedItem]
    replaced: list[dict]
    """The documents whose pages changed (their ``stack_report`` entries)."""
    unchanged: list[dict]


def stack_file(catalog: Catalog, store: ObjectStore, stack: dict, work_dir: Path) -> Path:
    """The stack's bytes: its input file when it is still there unchanged, else the warehouse's copy."""
    key = None
    for d in stack["documents"]:
        doc = catalog.get(d["doc_key"]) if d["doc_key"] else None
        if doc is not None:
            key = next((k for k in (doc.objects or {}) if k.startswith("stacks/")), None)
            if key:
                break
    sha = Path(key).stem if key else None
    original = Path(stack["file"]) if stack.get("file") else None
    if original is not None and original.is_file():
        digest = hashlib.sha256(original.read_bytes()).hexdigest()
        if sha is None or digest == sha:
            return original
    if key is None:
        raise _refuse(
            f"the stack {stack['input']} is neither in its input folder nor in the warehouse",
            f"xấp giấy {stack['input']} không còn trong thư mục đầu vào và chưa có trong kho",
        )
    folder = work_dir / "resplit" / sha  # type: ignore[operator]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(stack["input"]).name
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(store.get(key))
        tmp.replace(path)
    return path


def plan_resplit(
    catalog: Catalog,
    store: ObjectStore,
    batch_id: str,
    stack_input: str,
    fix: Correction,
    work_dir: Path,
    doc_types: DocumentTypes,
) -> Resplit:
    stacks = {s["input"]: s for s in stack_report(catalog, batch_id)}
    stack = stacks.get(stack_input)
    if stack is None:
        known = ", ".join(stacks) or "-"
        raise _refuse(
            f"batch {batch_id} has no stack {stack_input!r} cut into documents (stacks: {known})",
            f"lô {batch_id} không có xấp giấy {stack_input!r} đã tách (các xấp: {known})",
        )
    total = int(stack["pages_total"] or 0)
    seen: set[int] = set()
    for part in fix.parts:
        for p in part:
            if not 1 <= p <= total:
                raise _refuse(f"page {p}: the stack has {total} pages", f"trang {p}: xấp giấy chỉ có {total} trang")
            if p in seen:
                raise _refuse(f"page {p} is in two documents", f"trang {p} nằm trong hai tài liệu")
            seen.add(p)
    before = {p for d in stack["documents"] for p in d["pages"]}
    lost = sorted(before - seen - fix.drop)
    if lost:
        pages = ", ".join(map(str, lost))
        raise _refuse(
            f"pages {pages} were in a document and are in none now: add them to one, or drop them on purpose",
            f"các trang {pages} đã thuộc một tài liệu nay không thuộc tài liệu nào: hãy thêm vào, hoặc chủ động bỏ",
        )
    for n in list(fix.dossiers) + list(fix.types):
        if not 1 <= n <= len(fix.parts):
            raise _refuse(f"there is no document {n} in the new split", f"cách tách mới không có tài liệu số {n}")
    old_by_pages = {tuple(d["pages"]): d for d in stack["documents"]}
    plans = _old_plans(catalog, batch_id)
    path = stack_file(catalog, store, stack, work_dir)
    items: list[PlannedItem] = []
    unchanged = []
    kept_sets = set()
    for n, part in enumerate(fix.parts, 1):
        pages = tuple(sorted(part))
        old = old_by_pages.get(pages)
        if old is not None and n not in fix.dossiers and n not in fix.types:
            unchanged.append(old)
            kept_sets.add(pages)
            continue
        if old is not None:
            raise _refuse(
                f"document {n} keeps its pages: correct its dossier or type in the review (sohoa review correct)",
                f"tài liệu {n} giữ nguyên các trang: sửa hồ sơ hoặc loại ở màn hình kiểm tra (sohoa review correct)",
            )
        source = _containing(stack["documents"], pages[0])
        base = Declared.from_json(plans.get(source["item"], {}).get("declared") or {}) if source else Declared()
        dossier = fix.dossiers.get(n) or base.dossier
        if dossier:
            validate_dossier_code(dossier)
        type_code = (fix.types.get(n) or base.type_code or "").upper() or None
        if type_code and doc_types.get(type_code) is None:
            raise _refuse(
                f"type {type_code!r} is not in the document-type catalogue",
                f"loại giấy tờ {type_code!r} không có trong danh mục",
            )
        declared = Declared(
            dossier=dossier,
            kind=base.kind,
            owner_id=base.owner_id,
            procedure=base.procedure,
            type_code=type_code,
            agency=base.agency,
            notes=tuple(x for x in base.notes if not x.startswith("split:")),  # the reviewer settled the split
        )
        zero = tuple(p - 1 for p in pages)
        info = {
            "input": stack["input"],
            "part": n,
            "parts": len(fix.parts),
            "pages_total": total,
            "started_by": "review",
            "receipt": bool(source and source["receipt"] and pages == tuple(source["pages"][:1])),
            "dropped": [[d["page"], d["why"]] for d in stack["dropped"]] + [[p, "reviewer"] for p in sorted(fix.drop)],
        }
        items.append(
            PlannedItem(
                len(items) + 1,
                f"{stack['input']}#{page_ranges(zero)}",
                (str(path),),
                declared,
                None,
                len(zero),
                zero,
                info,
            )
        )
    replaced = [d for d in stack["documents"] if tuple(d["pages"]) not in kept_sets]
    return Resplit(stack, path, items, replaced, unchanged)


def _containing(docs: list[dict], page: int) -> dict | None:
    for d in docs:
        if page in d["pages"]:
            return d
    earlier = [d for d in docs if d["pages"] and d["pages"][0] < page]
    return earlier[-1] if earlier else (docs[0] if docs else None)


def _old_plans(catalog: Catalog, batch_id: str) -> dict[str, dict]:
    from catalog import batches
    from catalog.status import ITEM_STATUSES

    return {it.input: (it.plan or {}) for it in batches.failed_items(catalog, batch_id, tuple(ITEM_STATUSES))}


def withdraw_replaced(catalog: Catalog, resplit: Resplit, operator: str, new_batch: str) -> list[str]:
    """The documents whose pages changed, out of reuse with the reason; returns their document codes."""
    names = ", ".join(it.input for it in resplit.items) or "-"
    done = []
    for d in resplit.replaced:
        doc = catalog.get(d["doc_key"]) if d["doc_key"] else None
        if doc is None:
            continue
        reason = (
            f"split_replaced: tách lại bởi {operator} (lô {new_batch}), các trang nay thuộc {names} / "
            f"re-split by {operator} (batch {new_batch}); its pages are now in {names}"
        )
        reasons = [*list(doc.review_reasons or []), reason]
        was_archived = doc.status == Status.ARCHIVED
        catalog.update_document(
            doc.key,
            status=Status.NEEDS_REVIEW,
            review_reasons=reasons,
            outbox=("revoke", "split_corrected") if was_archived else None,
        )
        done.append(doc.doc_code or doc.key[:12])
    catalog.record_event(
        "split_corrected",
        operator,
        batch_id=new_batch,
        detail={
            "stack": resplit.stack["input"],
            "old": [d["pages"] for d in resplit.stack["documents"]],
            "new": [[p + 1 for p in (it.pages or ())] for it in resplit.items]
            + [d["pages"] for d in resplit.unchanged],
            "withdrawn": done,
        },
    )
    return done
