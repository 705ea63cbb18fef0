"""Test data of the lookup API: seeded papers, keys per scope, an in-process client (fixtures: fixtures_api.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from archive.local import LocalStore
from catalog.api.config import ApiConfig
from catalog.apikeys import create_key
from catalog.db import Catalog, Document
from pipeline.config import AppConfig
from pipeline.web import create_app

AGENCY = "000.00.16.H42"
CITIZEN = "037096014589"  # Ninh Bình, male, born 1996
OTHER_CITIZEN = "037196002222"
ENTERPRISE = "0100109106"  # valid check digit
NOBODY = "036096000001"  # valid ID, no papers
ON = "2026-11-22"
SIGNED = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n% signed test pdf\n%%EOF\n"


def code(n: int) -> str:
    return f"{AGENCY}-260105-{n:04d}.01"


# doc n, owner, type, status, issue, valid_until, signed, text
PAPERS = [
    (
        1,
        CITIZEN,
        "GKS",
        "archived",
        "1996-03-04",
        None,
        True,
        "GIẤY KHAI SINH\nHọ, chữ đệm, tên: Đinh Văn An\nNơi sinh: Ninh Bình",
    ),
    (2, CITIZEN, "CCCD", "archived", "2015-05-01", "2021-03-04", True, "CĂN CƯỚC CÔNG DÂN Số 037096014589"),
    (3, CITIZEN, "GXNTTHN", "needs_review", "2026-10-01", "2027-04-01", False, "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"),
    (4, CITIZEN, "GKS", "archived", "1990-01-01", None, False, None),  # older, unsigned: never chosen over no. 1
    (5, OTHER_CITIZEN, "GKS", "archived", "1996-08-08", None, True, "GIẤY KHAI SINH Họ tên: Trần Thị Bình, Nam Định"),
    (6, ENTERPRISE, "GCNDKDN", "archived", "2019-02-02", None, True, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP"),
    (7, CITIZEN, "GKS", "processing", "2026-11-01", None, True, None),  # never visible
]


@dataclass
class Api:
    client: TestClient
    catalog: Catalog
    store: LocalStore
    keys: dict[str, str]  # scope set name -> plaintext key
    ids: dict[str, str]

    def h(self, who: str = "lookup", **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[who], **extra}


def seed(catalog: Catalog, store: LocalStore | None = None) -> None:
    with catalog.session() as s:
        for n, owner, t, status, issued, until, signed, text in PAPERS:
            c = code(n)
            pdf_key = f"owners/{owner}/{c}/{c}.pdf" if store is not None and signed else None
            if pdf_key:
                store.put(pdf_key, PDF, content_type="application/pdf")
            s.add(
                Document(
                    key=f"{n:064d}",
                    doc_code=c,
                    status=status,
                    input=f"scan{n}.png",
                    agency=AGENCY,
                    operator="clerk-01",
                    type_code=t,
                    type_name=t,
                    owner_id=owner,
                    issue_date=issued,
                    valid_until=until,
                    signed_at=SIGNED if signed else None,
                    text=text,
                    pdf_key=pdf_key,
                    pages=1,
                )
            )


KEY_SETS = {
    "lookup": "lookup",
    "download": "download",
    "search": "search",
    "dashboard": "dashboard",
    "all": "lookup,download,search,dashboard",
    "reception": "reception",
}


def make_api(catalog_url: str, tmp_path: Path, *, rate: int = 100_000, key_rates: dict | None = None) -> Api:
    catalog = Catalog(catalog_url)
    store = LocalStore(tmp_path / "warehouse", fsync=False)
    seed(catalog, store)
    keys, ids = {}, {}
    for name, scopes in KEY_SETS.items():
        info, plain = create_key(
            catalog,
            agency=AGENCY,
            scopes=scopes,
            client=f"sys-{name}",
            created_by="test",
            rate_per_minute=(key_rates or {}).get(name),
        )
        keys[name], ids[name] = plain, info.id
    cfg = AppConfig(
        home=tmp_path / "home", catalog_url=catalog_url, api=ApiConfig(rate_per_minute=rate, key_cache_seconds=0)
    )
    app = create_app(cfg, catalog=catalog, store=store)
    return Api(TestClient(app), catalog, store, keys, ids)
