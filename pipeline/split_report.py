"""Which pages of which scanned stack became which document: for the batch report, ``sohoa stack show`` and
the review of a split (``pipeline.resplit``). Read from the batch items' plans and the documents they made."""

from __future__ import annotations

from typing import Any

from catalog import batches
from catalog.db import Catalog
from catalog.status import ITEM_STATUSES


def stack_report(catalog: Catalog, batch_id: str) -> list[dict[str, Any]]:
    """One entry per stack of the batch that was cut into several documents: its pages, what was dropped and why,
    and each document with its pages (from 1), what started it, its status and codes."""
    stacks: dict[str, dict[str, Any]] = {}
    for it in batches.failed_items(catalog, batch_id, tuple(ITEM_STATUSES)):
        plan = it.plan or {}
        st = plan.get("stack")
        if not st or plan.get("pages") is None:
            continue
        entry = stacks.setdefault(
            st["input"],
            {
                "input": st["input"],
                "file": (plan.get("files") or [None])[0],
                "pages_total": st.get("pages_total"),
                "dropped": [{"page": n, "why": why} for n, why in st.get("dropped") or []],
                "documents": [],
            },
        )
        doc = catalog.get(it.doc_key) if it.doc_key else None
        declared = plan.get("declared") or {}
        entry["documents"].append(
            {
                "part": st.get("part"),
                "item": it.input,
                "pages": [p + 1 for p in plan["pages"]],
                "started_by": st.get("started_by"),
                "receipt": bool(st.get("receipt")),
                "status": it.status,
                "doc_key": it.doc_key,
                "doc_code": doc.doc_code if doc else None,
                "dossier_code": (doc.dossier_code if doc else None) or declared.get("dossier"),
                "type_code": (doc.type_code if doc else None) or declared.get("type_code"),
                "notes": list(declared.get("notes") or []),
            }
        )
    for entry in stacks.values():
        entry["documents"].sort(key=lambda d: d["part"] or 0)
    return list(stacks.values())
