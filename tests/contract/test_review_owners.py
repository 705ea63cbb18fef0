"""Review queue and owners on both catalog backends (SQLite and PostgreSQL)."""

import pytest
from typer.testing import CliRunner

from catalog.errors import InvalidCode, NotFound
from catalog.owners import get_owner, list_owners, record_owner
from catalog.review import ReviewError, accept, correct, find, queue, show
from catalog.status import Status
from catalog.types import default_document_types
from tests.review_data import GOOD_ID, add_waiting

pytest_plugins = ["tests.fixtures_review"]
CATALOGUE = default_document_types()


def test_queue_lists_waiting_documents_oldest_first(review_catalog):
    a = add_waiting(review_catalog, 1)
    b = add_waiting(review_catalog, 2, type_code=None)
    items = queue(review_catalog)
    assert [i.doc_code for i in items] == [a, b]
    assert [i.doc_code for i in queue(review_catalog, type_code="GKS")] == [a]
    with pytest.raises(NotFound):
        find(review_catalog, "000.00.16.H42-261121-9999.01")
    assert find(review_catalog, find(review_catalog, a).key[:10]).doc_code == a  # a SHA-256 prefix is enough


def test_show_is_audited(review_catalog):
    code = add_waiting(review_catalog, 1)
    data = show(review_catalog, code, "clerk-09")
    assert data["reasons"] and data["fields"]["full_name"]["value"] == "Nguyễn Thị My"
    assert [e.actor for e in review_catalog.events(owner_id=GOOD_ID, action="review_viewed")] == ["clerk-09"]


def test_correct_records_every_change_then_accept_releases_for_reuse(review_catalog):
    code = add_waiting(review_catalog, 1)
    d = correct(review_catalog, CATALOGUE, code, "clerk-09", fields={"full_name": "NGUYỄN THỊ MỸ"})
    assert d.fields["full_name"] == {"value": "Nguyễn Thị Mỹ", "confidence": 1.0, "source": "operator"}
    assert d.status == Status.NEEDS_REVIEW  # corrected, not yet confirmed
    ev = review_catalog.events(doc_key=d.key, action="review_corrected")
    assert len(ev) == 1 and ev[0].actor == "clerk-09" and ev[0].at is not None
    assert ev[0].detail["changes"]["fields.full_name"] == {"from": "Nguyễn Thị My", "to": "Nguyễn Thị Mỹ"}

    d = accept(review_catalog, CATALOGUE, code, "clerk-10")
    assert d.status == Status.ARCHIVED and d.reviewed_by == "clerk-10" and d.reviewed_at is not None
    assert d.paper_code == f"{GOOD_ID}.KQ.G15.000031.STP-GKS.01"
    assert [e.actor for e in review_catalog.events(doc_key=d.key, action="review_accepted")] == ["clerk-10"]
    owner = get_owner(review_catalog, GOOD_ID)
    assert owner.kind == "citizen" and owner.name == "Nguyễn Thị Mỹ" and owner.documents == 1
    assert queue(review_catalog) == []
    with pytest.raises(ReviewError):
        accept(review_catalog, CATALOGUE, code, "clerk-10")  # once is enough


def test_type_correction_recomputes_validity(review_catalog):
    code = add_waiting(review_catalog, 1)
    d = correct(review_catalog, CATALOGUE, code, "clerk-09", type_code="GXNTTHN", fields={"issue_date": "31/08/2024"})
    assert d.type_code == "GXNTTHN" and d.type_name == "Giấy xác nhận tình trạng hôn nhân"
    assert d.issue_date == "2024-08-31" and d.valid_until == "2025-02-28"  # six months, end of February


def test_invalid_corrections_are_refused(review_catalog):
    code = add_waiting(review_catalog, 1)
    with pytest.raises(InvalidCode):
        correct(review_catalog, CATALOGUE, code, "clerk-09", fields={"id_number": "003203012345"})  # no province 003
    with pytest.raises(InvalidCode):
        correct(review_catalog, CATALOGUE, code, "clerk-09", fields={"date_of_birth": "31/02/2003"})
    with pytest.raises(InvalidCode):
        correct(review_catalog, CATALOGUE, code, "clerk-09", type_code="NOPE")
    assert review_catalog.events(action="review_corrected") == []


def test_accept_needs_a_type_and_an_owner(review_catalog):
    no_type = add_waiting(review_catalog, 1, type_code=None)
    no_owner = add_waiting(review_catalog, 2, owner=None)
    with pytest.raises(ReviewError, match="type"):
        accept(review_catalog, CATALOGUE, no_type, "clerk-09")
    with pytest.raises(ReviewError, match="owner"):
        accept(review_catalog, CATALOGUE, no_owner, "clerk-09")
    d = correct(review_catalog, CATALOGUE, no_owner, "clerk-09", fields={"id_number": "037203012345"})
    assert d.owner_id == "037203012345"
    assert accept(review_catalog, CATALOGUE, no_owner, "clerk-09").status == Status.ARCHIVED


def test_owners_kinds_and_refresh(review_catalog):
    assert record_owner(review_catalog, "12345") is None
    record_owner(review_catalog, "0100109106", {"full_name": {"value": "Công Ty Abc"}})
    record_owner(review_catalog, GOOD_ID, {"full_name": {"value": "Lê An"}, "date_of_birth": {"value": "2003-02-01"}})
    record_owner(review_catalog, GOOD_ID, {})  # nothing new: what is known stays
    assert get_owner(review_catalog, GOOD_ID).name == "Lê An"
    assert [o.id for o in list_owners(review_catalog, kind="enterprise")] == ["0100109106"]


def test_review_cli(review_catalog, tmp_path, monkeypatch):
    from pipeline.cli import app

    code = add_waiting(review_catalog, 1)
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_CATALOG_URL", review_catalog.url)
    runner = CliRunner()
    r = runner.invoke(app, ["review", "list", "--json"])
    assert r.exit_code == 0, r.output
    assert code in r.output and GOOD_ID not in r.output  # the ID is masked in lists
    r = runner.invoke(app, ["review", "show", code, "--operator", "clerk-09"])
    assert r.exit_code == 0 and "full_name" in r.output
    r = runner.invoke(app, ["review", "correct", code, "--field", "full_name=Nguyễn Thị Mỹ", "--operator", "clerk-09"])
    assert r.exit_code == 0, r.output
    assert find(review_catalog, code).status == Status.ARCHIVED
    r = runner.invoke(app, ["review", "correct", code, "--field", "nonsense"])
    assert r.exit_code == 3
    r = runner.invoke(app, ["review", "accept", "000.00.16.H42-261121-0404.01"])
    assert r.exit_code == 10


def test_a_type_correction_reads_the_text_again_with_the_new_labels(review_catalog):
    code = add_waiting(review_catalog, 1, type_code=None)
    text = (
        "GIẤY XÁC NHẬN\nTÌNH TRẠNG HÔN NHÂN\nHọ, chữ đệm, tên: LÊ THỊ HOA\nSố định danh cá nhân: 037303012345\n"
        "Giấy này có giá trị sử dụng đến ngày: 15/03/2025\nNinh Bình, ngày 01 tháng 09 năm 2024\n"
    )
    review_catalog.update_document(find(review_catalog, code).key, text=text)
    d = correct(review_catalog, CATALOGUE, code, "clerk-09", type_code="GXNTTHN")
    assert d.fields["full_name"]["value"] == "Lê Thị Hoa" and d.fields["full_name"]["source"] == "reread"
    assert d.valid_until == "2025-03-15" and d.issue_date == "2024-09-01"  # printed, not the rule
    changes = review_catalog.events(doc_key=d.key, action="review_corrected")[0].detail["changes"]
    assert changes["fields.full_name"] == {"from": "Nguyễn Thị My", "to": "Lê Thị Hoa"}
