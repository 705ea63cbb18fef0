"""The fold of reuse checks into registered dossiers: incremental, idempotent, safe to run twice at once, and a
check committed late (its time before the last fold's) within the overlap is not lost. Both backends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from catalog.db import Catalog, Event
from catalog.registered import RegisteredDossier, fold_reuse_checks, register

AGENCY = "000.05.16.H42"
OWNER = "037096014589"


@pytest.fixture
def cat(catalog_url: str):
    c = Catalog(catalog_url)
    yield c
    c.close()


def _check(at, code, found, agency=AGENCY, owner=OWNER):
    return Event(
        action="access.reuse_check",
        at=at,
        actor="key:x",
        agency=agency,
        owner_id=owner,
        detail={"purpose": code, "result": f"{len(found)}/2 reusable", "types": ["GKS", "CCCD"], "found": found},
    )


def _state(c: Catalog) -> dict:
    with c.session() as s:
        return {
            r.code: (r.reused, r.found_types, r.papers_required, r.papers_found)
            for r in s.query(RegisteredDossier).order_by(RegisteredDossier.code)
        }


def test_concurrent_folds_count_nothing_twice(cat):
    now = datetime.now(UTC).replace(microsecond=0)
    codes = [f"{AGENCY}-{now:%y%m%d}-{n:04d}" for n in range(1, 31)]
    for code in codes:
        register(
            cat, agency=AGENCY, code=code, owner_id=OWNER, received_at=now, required_types=["GKS", "CCCD"], actor="t"
        )
    with cat.session() as s:
        for i, code in enumerate(codes):
            s.add(_check(now + timedelta(seconds=i), code, ["GKS"] if i % 3 else []))
            s.add(_check(now + timedelta(seconds=i), code, ["CCCD"] if i % 5 == 0 else []))
    errors = []

    def run():
        try:
            fold_reuse_checks(cat)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    state = _state(cat)
    assert fold_reuse_checks(cat) == 0 and _state(cat) == state  # again: nothing changes
    want = {
        code: (
            int(bool(i % 3) or i % 5 == 0),
            sorted(({"GKS"} if i % 3 else set()) | ({"CCCD"} if i % 5 == 0 else set())),
            2,
            int(bool(i % 3)) + int(i % 5 == 0),
        )
        for i, code in enumerate(codes)
    }
    assert state == want


def test_a_check_committed_late_is_folded(cat):
    now = datetime.now(UTC).replace(microsecond=0)
    code = f"{AGENCY}-{now:%y%m%d}-0001"
    register(cat, agency=AGENCY, code=code, owner_id=OWNER, received_at=now, required_types=["GKS", "CCCD"], actor="t")
    with cat.session() as s:
        s.add(_check(now + timedelta(minutes=3), code, []))
    fold_reuse_checks(cat)
    with cat.session() as s:  # stamped a minute earlier than the last one folded, committed after the fold
        s.add(_check(now + timedelta(minutes=2), code, ["CCCD"]))
    fold_reuse_checks(cat)
    assert _state(cat)[code] == (1, ["CCCD"], 2, 1)


def test_a_paper_the_dossier_does_not_require_does_not_make_it_reused(cat):
    now = datetime.now(UTC).replace(microsecond=0)
    code = f"{AGENCY}-{now:%y%m%d}-0001"
    register(cat, agency=AGENCY, code=code, owner_id=OWNER, received_at=now, required_types=["GCNKH"], actor="t")
    with cat.session() as s:
        s.add(_check(now, code, ["GKS"]))  # the desk asked for other papers than the procedure requires
    fold_reuse_checks(cat)
    assert _state(cat)[code] == (0, ["GKS"], 1, 0)
