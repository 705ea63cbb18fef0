"""Opaque owner keys (audit of issue 23: full ID numbers in object keys, hence in presigned URLs and in store error
messages): a warehouse written the old way is moved safely — copied, verified, switched in the catalog, and the old
keys retired within their retention — on the local store and on a real S3 server (SeaweedFS)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.config import StoreConfig
from archive.errors import ObjectMissing
from archive.store import ObjectStore, StoredObject, open_store
from catalog import owner_keys
from catalog.db import Catalog, Document
from catalog.warehouse import WarehouseObject, objects_of, record_objects
from pipeline.keymigration import RETIRED, migrate_keys, retire_old_keys
from pipeline.ownerkeys import OwnerKeys, owner_key_secret

pytest_plugins = ["tests.fixtures_s3"]

OWNERS = {"retained": "037096014589", "free": "036185003217", "held": "0100109106"}


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return open_store(StoreConfig(url=f"file://{tmp_path / 'wh'}"))
    return open_store(StoreConfig(url=request.getfixturevalue("s3_target").url))


def legacy_document(catalog: Catalog, store: ObjectStore, case: str, n: int) -> Document:
    """A document archived before opaque keys: its objects under owners/<ID number>/."""
    owner = OWNERS[case]
    code = f"000.00.00.H42-250101-000{n}.01"
    prefix = f"owners/{owner}/{code}"
    retain = datetime.now(UTC) + timedelta(days=3650) if case == "retained" else None
    pdf, text = b"%PDF-1.7 signed " + owner.encode(), "GIẤY KHAI SINH".encode()
    original = b"\x89PNG scan " + code.encode()
    sidecar = {
        "doc_code": code,
        "owner_id": owner,
        "pdf": {"key": f"{prefix}/{code}.pdf", "sha256": hashlib.sha256(pdf).hexdigest()},
        "text": {"key": f"{prefix}/{code}.txt", "sha256": hashlib.sha256(text).hexdigest()},
        "originals": [{"key": f"{prefix}/original/01.png", "sha256": hashlib.sha256(original).hexdigest()}],
    }
    objects: list[StoredObject] = []
    for key, data, ctype in (
        (f"{prefix}/original/01.png", original, "image/png"),
        (f"{prefix}/{code}.txt", text, "text/plain; charset=utf-8"),
        (f"{prefix}/{code}.pdf", pdf, "application/pdf"),
        (f"{prefix}/{code}.json", json.dumps(sidecar).encode(), "application/json"),
    ):
        objects.append(
            store.put(key, data, content_type=ctype, retain_until=retain, legal_hold=case == "held", metadata={})
        )
    doc_key = hashlib.sha256(original).hexdigest()
    with catalog.session() as s:
        s.add(
            Document(
                key=doc_key, doc_code=code, status="archived", input=f"{case}.png", agency="000.00.00.H42",
                operator="clerk", owner_id=owner, pdf_key=f"{prefix}/{code}.pdf",
                pdf_sha256=hashlib.sha256(pdf).hexdigest(), objects={o.key: o.sha256 for o in objects},
            )
        )  # fmt: skip
    record_objects(catalog, doc_key, objects)
    return catalog.get(doc_key)


def test_legacy_keys_are_moved_safely(store: ObjectStore, tmp_path: Path):
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    keys = OwnerKeys(catalog, owner_key_secret(tmp_path / "home"))
    docs = {case: legacy_document(catalog, store, case, n) for n, case in enumerate(OWNERS, 1)}
    before = {case: {k: store.get(k) for k in d.objects} for case, d in docs.items()}

    report = migrate_keys(catalog, store, keys)
    assert report.ok and report.documents == 3 and report.objects_copied == 12, report.as_dict()

    for case, old in docs.items():
        owner = OWNERS[case]
        d = catalog.get(old.key)
        okey = owner_keys.key_of(catalog, owner)
        assert okey and owner not in okey and owner_keys.owner_of(catalog, okey) == owner
        assert all(k.startswith(f"owners/{okey}/") and owner not in k for k in d.objects)  # catalog switched
        assert d.pdf_key == f"owners/{okey}/{d.doc_code}/{d.doc_code}.pdf"
        for old_key, data in before[case].items():
            new_key = old_key.replace(f"owners/{owner}/", f"owners/{okey}/")
            if new_key.endswith(".json"):  # the sidecar names the new keys
                side = json.loads(store.get(new_key))
                assert side["owner_key"] == okey and owner not in side["pdf"]["key"] + side["text"]["key"]
                assert side["moved_from"]["sha256"] == hashlib.sha256(data).hexdigest()
            else:
                assert store.get(new_key) == data  # copied byte for byte, checked on read
            assert d.objects[new_key] == store.stat(new_key).sha256
        ledger = {o.key: o for o in objects_of(catalog, d.key)}
        old_keys = list(before[case])
        if case == "retained":  # still under retention: kept, retired, deleted later
            assert all(store.stat(k) is not None and ledger[k].status == RETIRED for k in old_keys)
            assert all(store.stat(k).retain_until for k in d.objects)  # the retention went with the copy
        else:  # no retention, or a hold that the new copy carries: gone
            assert all(store.stat(k) is None and k not in ledger for k in old_keys)
        if case == "held":
            assert all(store.stat(k).legal_hold for k in d.objects)
        assert [e.action for e in catalog.events(doc_key=d.key)] == ["keys_migrated"]

        url = store.presigned_get(d.pdf_key, timedelta(minutes=1))
        assert url is None or owner not in url
    # a store error names the opaque key, never the ID number
    with pytest.raises(ObjectMissing) as e:
        store.get(f"owners/{owner_keys.key_of(catalog, OWNERS['free'])}/gone.pdf")
    assert OWNERS["free"] not in str(e.value) + e.value.vi

    again = migrate_keys(catalog, store, keys)  # nothing left to move; the retained old keys stay
    assert again.documents == 0 and again.old_retained == 4 and again.old_deleted == 0
    with catalog.session() as s:  # once their retention has ended (here: moved into the past) they go
        for row in s.query(WarehouseObject).filter(WarehouseObject.status == RETIRED):
            row.retain_until = datetime.now(UTC) - timedelta(days=1)
    if store.url.startswith("file://"):
        for k in before["retained"]:  # the local store keeps retention in its metadata: end it there too
            meta = store._meta(k)
            data = json.loads(meta.read_text())
            data["retain_until"] = (datetime.now(UTC) - timedelta(days=1)).isoformat()
            meta.chmod(0o644)
            meta.write_text(json.dumps(data))
        late = retire_old_keys(catalog, store)
        assert late.old_deleted == 4 and all(store.stat(k) is None for k in before["retained"])
    else:  # COMPLIANCE retention on the server cannot be shortened: the old copies stay until it ends
        late = retire_old_keys(catalog, store)
        assert late.old_deleted == 0 and late.old_retained == 4
        assert all(store.stat(k) is not None for k in before["retained"])
    catalog.close()
