"""Fixity audit: re-read objects, recompute their SHA-256, compare with the catalog (the ledger) on every
copy (primary and mirror), record one event per object, repair a damaged or missing copy from a good
one, and keep the report (a ``fixity_runs`` row and a write-once ``audits/fixity/<run>.json`` object).

Outcomes per copy: ``ok``, ``damaged`` (bytes differ from the catalog), ``missing``, ``unreachable``,
``repaired``. Per object: ``ok``, ``repaired``, ``damaged`` (a good copy exists but a bad one was not
repaired), ``unreachable``, or ``lost`` when no copy matches the catalog — a person must look at it.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from archive.errors import ArchiveError, ObjectMissing
from archive.layout import mask_key
from archive.mirror import copies
from archive.store import ObjectStore, sha256_hex
from catalog.db import Catalog
from catalog.warehouse import FixityRun, WarehouseObject, backfill, mark_checked, objects_to_check, save_fixity_run

log = logging.getLogger("sohoa.fixity")
REPORT_PREFIX = "audits/fixity"


@dataclass
class ObjectCheck:
    key: str
    doc_key: str | None
    outcome: str  # ok | repaired | damaged | lost | unreachable
    copies: dict[str, str]  # copy name -> ok | damaged | missing | unreachable | repaired
    detail: str = ""


@dataclass
class FixityReport:
    run_id: str
    started_at: str
    finished_at: str = ""
    sample: int | None = None
    copies: list[str] = field(default_factory=list)
    checked: int = 0
    ok: int = 0
    repaired: int = 0
    damaged: int = 0
    lost: int = 0
    unreachable: int = 0
    backfilled: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)  # every object not simply ok
    report_key: str | None = None

    @property
    def failed(self) -> int:
        return self.damaged + self.lost + self.unreachable

    @property
    def healthy(self) -> bool:
        return self.failed == 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"failed": self.failed, "healthy": self.healthy}


def _read(store: ObjectStore, key: str, sha256: str) -> tuple[str, bytes | None, str]:
    try:
        data = store.get(key, verify=False)
    except ObjectMissing:
        return "missing", None, ""
    except ArchiveError as e:
        return ("unreachable" if e.retryable else "damaged"), None, str(e)
    return ("ok" if sha256_hex(data) == sha256 else "damaged"), data, ""


def check_object(row: WarehouseObject, stores: dict[str, ObjectStore], repair: bool) -> ObjectCheck:
    states: dict[str, str] = {}
    good: bytes | None = None
    notes: list[str] = []
    for name, store in stores.items():
        state, data, note = _read(store, row.key, row.sha256)
        states[name] = state
        if note:
            notes.append(f"{name}: {note}")
        if state == "ok" and good is None:
            good = data
    if good is None:
        outcome = "unreachable" if "unreachable" in states.values() else "lost"
        return ObjectCheck(row.key, row.doc_key, outcome, states, "; ".join(notes))
    for name, state in states.items():
        if state not in ("damaged", "missing") or not repair:
            continue
        store = stores[name]
        try:
            if state == "missing":
                store.put(
                    row.key,
                    good,
                    content_type=row.content_type or "application/octet-stream",
                    retain_until=_future(row.retain_until),
                    legal_hold=row.legal_hold,
                )
            else:
                store.restore(
                    row.key,
                    good,
                    retain_until=_future(row.retain_until),
                    legal_hold=row.legal_hold,
                )
            again = _read(store, row.key, row.sha256)[0]
        except ArchiveError as e:
            again = "unreachable" if e.retryable else state
            notes.append(f"{name}: repair failed: {e}")
        if again == "ok":
            states[name] = "repaired"
            log.warning("fixity: %s copy of %s was %s, repaired from a good copy", name, mask_key(row.key), state)
    values = set(states.values())
    if values & {"damaged", "missing"}:
        outcome = "damaged"  # a good copy exists, but not every copy is good (not repaired)
    elif "unreachable" in values:
        outcome = "unreachable"
    elif "repaired" in values:
        outcome = "repaired"
    else:
        outcome = "ok"
    return ObjectCheck(row.key, row.doc_key, outcome, states, "; ".join(notes))


def _future(t: datetime | None) -> datetime | None:
    """``t`` (UTC-aware; SQLite gives naive datetimes back) if it is still ahead, else None."""
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t if t > datetime.now(UTC) else None


def audit(
    catalog: Catalog,
    store: ObjectStore,
    *,
    sample: int | None = None,
    repair: bool = True,
    actor: str = "nightly",
) -> FixityReport:
    """Check ``sample`` objects (longest unchecked first) or all of them, on every copy of ``store``."""
    stores = copies(store)
    now = datetime.now(UTC)
    report = FixityReport(
        run_id="F" + now.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6],
        started_at=now.isoformat(),
        sample=sample,
        copies=list(stores),
    )
    report.backfilled = backfill(catalog)
    rows = objects_to_check(catalog, sample)
    for row in rows:
        check = check_object(row, stores, repair)
        report.checked += 1
        if check.outcome == "ok":
            report.ok += 1
        elif check.outcome == "repaired":
            report.repaired += 1
        elif check.outcome == "unreachable":
            report.unreachable += 1
        elif check.outcome == "damaged":
            report.damaged += 1
        else:
            report.lost += 1
        if check.outcome != "ok":
            report.problems.append(asdict(check))
            log.error("fixity: %s %s %s", mask_key(check.key), check.outcome, check.copies)
        _record(catalog, row, check, report.run_id, actor)
    report.finished_at = datetime.now(UTC).isoformat()
    _store_report(catalog, store, report, actor)
    return report


def _record(catalog: Catalog, row: WarehouseObject, check: ObjectCheck, run_id: str, actor: str) -> None:
    mark_checked(
        catalog, row.key, check.copies.get("primary", check.outcome), check.copies.get("mirror"), datetime.now(UTC)
    )
    catalog.record_event(
        "fixity_" + check.outcome,
        actor,
        doc_key=check.doc_key,
        detail={"key": check.key, "run": run_id, "copies": check.copies, "sha256": row.sha256}
        | ({"note": check.detail} if check.detail else {}),
    )


def _store_report(catalog: Catalog, store: ObjectStore, report: FixityReport, actor: str) -> None:
    key = f"{REPORT_PREFIX}/{report.run_id}.json"
    try:
        data = json.dumps(report.to_json(), ensure_ascii=False, indent=1).encode()
        store.put(key, data, content_type="application/json")
        report.report_key = key
    except ArchiveError as e:  # the catalog row below still keeps it
        log.error("fixity report not written to the store: %s", e)
    save_fixity_run(
        catalog,
        FixityRun(
            id=report.run_id,
            started_at=datetime.fromisoformat(report.started_at),
            finished_at=datetime.fromisoformat(report.finished_at),
            actor=actor,
            sample=report.sample,
            checked=report.checked,
            ok=report.ok,
            repaired=report.repaired,
            failed=report.failed,
            report=report.to_json(),
        ),
    )
