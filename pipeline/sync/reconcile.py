"""Reconciliation: for a sample of owners, what the national side reports holding against what was sent.

For each owner, every paper whose last sent change was not a deletion must be held remotely with the same file
SHA-256, type and validity, and a paper this province deleted must not be held any more. Papers the national
side holds from other provinces are not this province's to compare. Differences are listed (codes only; never
names); owners appear masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog import outbox
from catalog.codes import mask_id
from catalog.db import Catalog
from pipeline.sync.connector import Connector, RemoteUnavailable

COMPARED = ("pdf_sha256", "valid_until", "type_code")


@dataclass
class Reconciliation:
    owners: int = 0
    papers: int = 0
    matching: int = 0
    unreachable: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and not self.unreachable

    def as_json(self) -> dict[str, Any]:
        return self.__dict__ | {"ok": self.ok}


def reconcile(catalog: Catalog, connector: Connector, sample: int) -> Reconciliation:
    out = Reconciliation()
    for owner in outbox.owners_sent(catalog, sample):
        out.owners += 1
        last = outbox.sent_papers(catalog, owner)
        sent = {c: p for c, p in last.items() if p.get("change") != "delete"}
        deleted = last.keys() - sent.keys()
        try:
            remote = {p.get("doc_code"): p for p in connector.papers(owner) if p.get("doc_code")}
        except RemoteUnavailable:
            out.unreachable += 1
            continue
        for code, p in sent.items():
            out.papers += 1
            r = remote.get(code)
            if r is None:
                out.differences.append({"owner": mask_id(owner), "doc_code": code, "problem": "missing_remotely"})
                continue
            diff = [k for k in COMPARED if (p.get(k) or None) != (r.get(k) or None)]
            if diff:
                out.differences.append(
                    {"owner": mask_id(owner), "doc_code": code, "problem": "differs", "fields": diff}
                )
            else:
                out.matching += 1
        for code in remote.keys() & deleted:
            out.differences.append({"owner": mask_id(owner), "doc_code": code, "problem": "deleted_but_held"})
    return out
