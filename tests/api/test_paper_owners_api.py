"""Papers with several owners (issue 18) through the lookup API, on SQLite and PostgreSQL: a marriage certificate
is found by either spouse, a jointly held land-use certificate by each holder; corrections in review move the
owners; owners the warehouse knows are recognised by name and date of birth."""

from __future__ import annotations

import pytest

from catalog import audit
from catalog.paper_owners import CatalogDirectory, document_owners, record_document_owners
from catalog.parties import MATCHED, PRINTED, PaperOwner
from catalog.review import accept, correct
from catalog.status import Status
from catalog.types import default_document_types
from tests.api_data import AGENCY, CITIZEN, ON, SIGNED

pytest_plugins = ["tests.fixtures_api"]

HUSBAND = CITIZEN  # 037096014589: a man born 1996
WIFE = "037197012345"  # a woman born 1997
HOLDER_2 = "037170000123"
MARRIAGE = f"{AGENCY}-260105-0101.01"
LAND = f"{AGENCY}-260105-0102.01"
WAITING = f"{AGENCY}-260105-0103.01"
CATALOGUE = default_document_types()


def add_paper(api, key: str, doc_code: str, type_code: str, owners: list[PaperOwner], status=Status.ARCHIVED):
    from catalog.db import Document

    fields = {}
    for i, o in enumerate(owners):
        prefix = "" if i == 0 else f"{o.role}."
        fields[f"{prefix}id_number"] = {"value": o.owner_id, "confidence": 0.97}
        fields[f"{prefix}full_name"] = {"value": o.name, "confidence": 0.92}
        if o.date_of_birth:
            fields[f"{prefix}date_of_birth"] = {"value": o.date_of_birth, "confidence": 0.95}
    with api.catalog.session() as s:
        s.add(
            Document(
                key=key,
                doc_code=doc_code,
                status=status,
                input=f"{key[:6]}.png",
                agency=AGENCY,
                operator="clerk-01",
                type_code=type_code,
                type_name=CATALOGUE.get(type_code).name_vi,
                owner_id=owners[0].owner_id,
                issue_date="2020-06-05",
                signed_at=SIGNED,
                fields=fields,
                review_reasons=[] if status == Status.ARCHIVED else ["owner_missing: wife"],
                pages=1,
            )
        )
    record_document_owners(api.catalog, key, owners)


@pytest.fixture
def couple(api):
    add_paper(
        api,
        "a" * 64,
        MARRIAGE,
        "GCNKH",
        [
            PaperOwner("husband", HUSBAND, PRINTED, "Đinh Văn An", "1996-03-04"),
            PaperOwner("wife", WIFE, PRINTED, "Lê Thị Bình", "1997-05-06", "Xã Ninh Hải, huyện Hoa Lư"),
        ],
    )
    add_paper(
        api,
        "b" * 64,
        LAND,
        "GCNQSDD",
        [PaperOwner("holder", WIFE, PRINTED, "Lê Thị Bình"), PaperOwner("co_holder", HOLDER_2, MATCHED, "Trần Văn C")],
    )
    return api


def reuse(api, owner: str, types: list[str]):
    r = api.client.post(
        "/v1/reuse-check",
        json={"owner_id": owner, "required_types": types, "on_date": ON},
        headers=api.h("lookup", **{"X-Purpose": f"{AGENCY}-261122-0042"}),
    )
    assert r.status_code == 200, r.text
    return {p["type_code"]: p for p in r.json()["papers"]}


def test_a_marriage_certificate_is_found_by_either_spouse(couple):
    for owner, role in ((HUSBAND, "husband"), (WIFE, "wife")):
        paper = reuse(couple, owner, ["GCNKH"])["GCNKH"]
        assert paper["status"] == "reusable" and paper["document"]["doc_code"] == MARRIAGE
        assert paper["document"]["role"] == role
    # the land-use certificate: the wife holds it first, a second holder with her
    assert reuse(couple, HOLDER_2, ["GCNQSDD"])["GCNQSDD"]["document"]["role"] == "co_holder"
    assert reuse(couple, WIFE, ["GCNQSDD"])["GCNQSDD"]["document"]["doc_code"] == LAND
    assert reuse(couple, "036096000001", ["GCNKH"])["GCNKH"]["status"] == "missing"
    assert [r.owner_id for r in audit.who_looked(couple.catalog, WIFE)] == [WIFE, WIFE]


def test_owner_documents_and_document_answer_name_every_owner(couple):
    r = couple.client.get(f"/v1/owners/{WIFE}/documents", headers=couple.h())
    assert r.status_code == 200
    docs = {d["doc_code"]: d["role"] for d in r.json()["documents"]}
    assert docs == {MARRIAGE: "wife", LAND: "holder"}
    mine = couple.client.get(f"/v1/owners/{HUSBAND}/documents", params={"type": "GCNKH"}, headers=couple.h())
    assert [(d["doc_code"], d["role"]) for d in mine.json()["documents"]] == [(MARRIAGE, "husband")]
    d = couple.client.get(f"/v1/documents/{MARRIAGE}", headers=couple.h()).json()
    assert d["owner_id"] == HUSBAND
    assert {(o["role"], o["owner_id"]) for o in d["owners"]} == {("husband", HUSBAND), ("wife", WIFE)}
    # the answer shows both spouses' paper: each of them can see who looked
    for owner in (HUSBAND, WIFE):
        assert (audit.DOCUMENT, MARRIAGE) in [(a.action, a.doc_code) for a in audit.who_looked(couple.catalog, owner)]


def test_a_paper_in_review_shows_for_both_and_a_correction_moves_the_owners(couple):
    add_paper(
        couple,
        "c" * 64,
        WAITING,
        "GCNKH",
        [PaperOwner("husband", "037088000111", PRINTED, "Vũ Văn Đông", "1988-01-01")],
        status=Status.NEEDS_REVIEW,
    )
    assert reuse(couple, WIFE, ["GCNKH"])["GCNKH"]["document"]["doc_code"] == MARRIAGE  # archived wins
    # the clerk types the wife's ID the batch could not read, then confirms the paper
    d = correct(
        couple.catalog,
        CATALOGUE,
        WAITING,
        "clerk-09",
        fields={"wife.id_number": "037190000222", "wife.full_name": "NGUYỄN THỊ HOA"},
    )
    assert d.fields["wife.full_name"]["value"] == "Nguyễn Thị Hoa"
    owners = {(o.role, o.owner_id, o.how) for o in document_owners(couple.catalog, d.key)}
    assert owners == {("husband", "037088000111", PRINTED), ("wife", "037190000222", "clerk")}
    event = couple.catalog.events(doc_key=d.key, action="review_corrected")[0]
    assert "037190000222" not in str(event.detail["changes"]["owners"])  # masked in the audit trail
    waiting = reuse(couple, "037190000222", ["GCNKH"])["GCNKH"]
    assert waiting["status"] == "needs_review" and waiting["document"]["role"] == "wife"
    accept(couple.catalog, CATALOGUE, WAITING, "clerk-10")
    assert reuse(couple, "037190000222", ["GCNKH"])["GCNKH"]["status"] == "reusable"
    from catalog.owners import get_owner

    wife = get_owner(couple.catalog, "037190000222")
    assert wife.name == "Nguyễn Thị Hoa" and wife.documents == 1


def test_known_owners_are_recognised_by_name_and_birth_only_from_archived_papers(couple):
    directory = CatalogDirectory(couple.catalog)
    (wife,) = directory.candidates("LÊ THỊ BÌNH", "1997-05-06")
    assert wife.owner_id == WIFE and wife.places == ("Xã Ninh Hải, huyện Hoa Lư",)
    assert directory.candidates("Lê Thị Bình", "1997-05-07") == []
    add_paper(
        couple,
        "d" * 64,
        f"{AGENCY}-260105-0104.01",
        "GCNKH",
        [PaperOwner("husband", "037085000999", PRINTED, "Hà Văn Em", "1985-01-01")],
        status=Status.NEEDS_REVIEW,
    )
    assert directory.candidates("Hà Văn Em", "1985-01-01") == []  # not confirmed yet
