"""The outbox of the national warehouse: a row for every change that matters, in the change's own transaction,
on both catalog backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog import outbox
from catalog.db import Catalog
from catalog.errors import ClaimLost
from catalog.expiry import mark_expired
from catalog.review import accept, correct
from catalog.types import default_document_types
from tests.sync_data import archived_paper

TYPES = default_document_types()


def rows(c: Catalog) -> list[outbox.OutboxRow]:
    from sqlalchemy import select

    with c.session() as s:
        return list(s.scalars(select(outbox.OutboxRow).order_by(outbox.OutboxRow.id)))


def test_archiving_writes_its_row_with_the_change(catalog_url):
    c = Catalog(catalog_url)
    key = archived_paper(c, 1)
    (r,) = rows(c)
    assert (r.doc_key, r.change, r.reason, r.state, r.attempts) == (key, "upsert", "archived", "pending", 0)
    assert r.payload["owner_id"] == "037096014589" and r.payload["status"] == "archived"
    assert r.idempotency_key == f"{key}:1:upsert"
    c.close()


def test_a_paper_of_nobody_is_archived_without_a_row(catalog_url):
    """A dossier's reception receipt (GTNHS) is filed by its dossier and names no owner: the national warehouse,
    which keeps papers by owner, is told nothing (it would refuse the change: the demo's sync once went dead)."""
    c = Catalog(catalog_url)
    key = archived_paper(c, 7, owner=None, type_code="GTNHS")
    assert c.get(key).status == "archived" and rows(c) == []
    archived_paper(c, 8)
    assert [r.payload["owner_id"] for r in rows(c)] == ["037096014589"]
    c.close()


def test_no_row_without_the_change_and_no_change_without_the_row(catalog_url, monkeypatch):
    c = Catalog(catalog_url)
    key = archived_paper(c, 2)
    with pytest.raises(ClaimLost):  # a run whose claim was taken over: neither the change nor its row
        c.update_document(key, holder="someone-else", outbox=("upsert", "archived"), status="archived")
    assert len(rows(c)) == 1

    def broken(*_):
        raise RuntimeError("snapshot failed")

    monkeypatch.setattr(outbox, "snapshot", broken)
    with pytest.raises(RuntimeError):  # the row cannot be written: the change is rolled back with it
        c.update_document(key, outbox=("upsert", "review_corrected"), valid_until="2031-01-01")
    assert c.get(key).valid_until is None and len(rows(c)) == 1
    c.close()


def test_review_acceptance_correction_and_expiry_write_rows(catalog_url):
    c = Catalog(catalog_url)
    key = archived_paper(c, 3)
    # a paper in review: not reusable, nothing to send; accepting it is
    c.update_document(key, status="needs_review", review_reasons=["field_uncertain: full_name"])
    correct(c, TYPES, key, "reviewer", fields={"issue_date": "02/01/2020"})
    assert [r.reason for r in rows(c)] == ["archived"]
    accept(c, TYPES, key, "reviewer")
    correct(c, TYPES, key, "reviewer", fields={"valid_until": "01/01/2030"})  # a correction after release
    assert mark_expired(c, key, datetime(2031, 1, 2, tzinfo=UTC))
    assert not mark_expired(c, key, datetime(2031, 1, 3, tzinfo=UTC))  # once
    got = [(r.change, r.reason) for r in rows(c)]
    assert got == [
        ("upsert", "archived"),
        ("upsert", "review_accepted"),
        ("upsert", "review_corrected"),
        ("expire", "validity_ended"),
    ]
    assert rows(c)[2].payload["valid_until"] == "2030-01-01"  # the snapshot is the paper as the change left it
    assert len({r.idempotency_key for r in rows(c)}) == 4
    c.close()


def test_expiry_of_a_paper_never_sent_writes_nothing(catalog_url):
    c = Catalog(catalog_url)
    key = archived_paper(c, 4)
    with c.session() as s:  # as if archived before the outbox existed
        s.query(outbox.OutboxRow).delete()
    assert mark_expired(c, key, datetime(2031, 1, 2, tzinfo=UTC)) and rows(c) == []
    c.close()


def test_a_papers_changes_are_claimed_in_order_and_once(catalog_url):
    c = Catalog(catalog_url)
    a, b = archived_paper(c, 5), archived_paper(c, 6)
    outbox.record(c, a, outbox.Change.EXPIRE, "validity_ended")
    first = outbox.claim(c, "w1", limit=10, claim_s=60)
    assert sorted(x.doc_key for x in first) == sorted([a, b])  # one change per paper: the first
    assert outbox.claim(c, "w2", limit=10, claim_s=60) == []  # claimed: nobody else takes them
    ra = next(x for x in first if x.doc_key == a)
    assert outbox.mark_sent(c, ra.id, "w1", "R1") and not outbox.mark_sent(c, ra.id, "w2", "R1")
    (second,) = outbox.claim(c, "w2", limit=10, claim_s=60)
    assert (second.doc_key, second.change) == (a, "expire")
    # a sender that died: its claim expires and another takes the change
    rb = next(x for x in first if x.doc_key == b)
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1)
    (again,) = [x for x in outbox.claim(c, "w3", limit=10, claim_s=60, now=later) if x.doc_key == b]
    assert again.id == rb.id and not outbox.mark_sent(c, rb.id, "w1", None)
    c.close()


def test_a_two_owner_paper_is_sent_with_both_owners(catalog_url):
    from catalog.paper_owners import record_document_owners
    from catalog.parties import PaperOwner

    c = Catalog(catalog_url)
    key = archived_paper(c, 7, type_code="GCNKH")
    record_document_owners(c, key, [PaperOwner("husband", "037096014589"), PaperOwner("wife", "037196002222")])
    c.update_document(key, outbox=("upsert", "review_corrected"), valid_until=None)
    owners = rows(c)[-1].payload["owners"]
    assert owners == [
        {"role": "husband", "owner_id": "037096014589"},
        {"role": "wife", "owner_id": "037196002222"},
    ]
    c.close()
