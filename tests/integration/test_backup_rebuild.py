"""The catalog lost after a batch, on SQLite and on PostgreSQL: rebuilt from the warehouse's sidecars, every paper is
found again through the lookup API with the same answer; restored from a backup (checksummed), the audit rows and
API keys come back too. The nightly backup keeps the newest N."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from catalog.apikeys import create_key
from catalog.db import Catalog
from pipeline.backup import BackupError, backup, check, prune, restore
from pipeline.config import AppConfig
from pipeline.rebuild import CatalogNotEmpty, rebuild_catalog
from pipeline.web import create_app
from tests.integration.helpers import run_inprocess

pytestmark = pytest.mark.slow
N_DOCS = 3
SAME = ("doc_code", "type_code", "type_name", "owner_id", "issue_date", "valid_until", "signature", "status",
        "dossier_code", "pages", "pdf_sha256", "paper_code", "agency")  # fmt: skip


@pytest.fixture
def few_scans(samples: Path, tmp_path: Path) -> Path:
    d = tmp_path / "few"
    d.mkdir()
    for f in sorted((samples / "scans").iterdir())[:N_DOCS]:
        shutil.copy2(f, d / f.name)
    return d


def answers(config: AppConfig, catalog: Catalog, codes: list[str]) -> dict[str, dict]:
    """What the API says about each paper (and its owner), with a fresh key of its own."""
    key = create_key(catalog, agency=config.agency, scopes="lookup,download,search", client="kiem-tra", created_by="t")[
        1
    ]
    out: dict[str, dict] = {}
    with TestClient(create_app(config, catalog=catalog)) as client:
        h = {"X-API-Key": key, "X-Purpose": "000.00.00.H42-261206-0001"}
        for code in codes:
            r = client.get(f"/v1/documents/{code}", headers=h)
            assert r.status_code == 200, r.text
            doc = r.json()
            pdf = client.get(f"/v1/documents/{code}/file", headers=h)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            owned = client.get(f"/v1/owners/{doc['owner_id']}/documents", headers=h).json()["documents"]
            out[code] = {
                **{k: doc[k] for k in SAME},
                "pdf_bytes": len(pdf.content),
                "owner_papers": sorted(p["doc_code"] for p in owned),
            }
        word = catalog.by_code(codes[0]).text.split()[0]
        out["search"] = {"hits": bool(client.get("/v1/search", params={"q": word}, headers=h).json()["hits"])}
    return out


def lose(url: str, config: AppConfig) -> None:
    """The database is gone."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(str(config.home_dir / "catalog.db") + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def test_lost_catalog_is_rebuilt_from_the_warehouse_and_restored_from_a_backup(
    home: Path, few_scans: Path, tmp_path: Path, catalog_url: str
):
    if catalog_url.startswith("sqlite"):
        catalog_url = f"sqlite:///{home / 'catalog.db'}"
    config = AppConfig(home=home, catalog_url=catalog_url)
    _report, data = run_inprocess(config, few_scans)
    codes = sorted(d["doc_code"] for d in data["documents"] if d["status"] in ("archived", "needs_review"))
    assert len(codes) == N_DOCS
    catalog = Catalog(catalog_url)
    before = answers(config, catalog, codes)
    events_before = len(catalog.events())
    dossier_seq = {c: catalog.by_code(c).dossier_code for c in codes}
    catalog.close()

    saved = backup(catalog_url, tmp_path / "backup")
    manifest = check(Path(saved.path))
    assert manifest["counts"]["documents"] == N_DOCS and manifest["revisions"]
    sums = (Path(saved.path) / "SHA256SUMS").read_text().split()
    assert sums[0] == next(iter(manifest["files"].values()))["sha256"]
    assert "password" not in json.dumps(manifest).lower()

    # --- the database is lost; the warehouse is all there is -------------------------------------------
    lose(catalog_url, config)
    catalog = Catalog(catalog_url)
    report = rebuild_catalog(catalog, _store(config), config.templates)
    assert report.documents == N_DOCS and not report.skipped, report.as_dict()
    assert "audit and access events" in report.not_recovered
    after = answers(config, catalog, codes)
    assert after == before  # every paper found again, with the same answer
    # new codes never repeat old ones: the counters came back with the documents
    d = catalog.by_code(codes[0])
    assert catalog.next_sequence(f"document:{d.dossier_code}") > max(
        catalog.by_code(c).ordinal for c in codes if dossier_seq[c] == d.dossier_code
    )
    assert [e.action for e in catalog.events(action="catalog_rebuilt")] == ["catalog_rebuilt"]
    with pytest.raises(CatalogNotEmpty):
        rebuild_catalog(catalog, _store(config), config.templates)
    catalog.close()

    # --- restore the backup: the audit trail comes back too ----------------------------------------------
    with pytest.raises(BackupError, match="--force"):
        restore(catalog_url, Path(saved.path))
    restore(catalog_url, Path(saved.path), force=True)
    catalog = Catalog(catalog_url)
    assert len(catalog.events()) == events_before
    assert not catalog.events(action="catalog_rebuilt")
    assert answers(config, catalog, codes) == before
    catalog.close()

    # a damaged backup is refused before anything is touched
    dump = next(p for p in Path(saved.path).iterdir() if p.name.startswith("catalog."))
    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="checksum"):
        restore(catalog_url, Path(saved.path), force=True)


def _store(config: AppConfig):
    from archive.store import open_store

    return open_store(config.store_config)


def test_nightly_backup_keeps_the_newest_copies(tmp_path: Path):
    from pipeline.backup import nightly_name

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    Catalog(url).close()
    folder = tmp_path / "backups"
    made = []
    for n in range(5):
        made.append(backup(url, folder / f"{nightly_name()[:-1]}{n}Z").path)
    (folder / "catalog-20000101T000000Z.partial").mkdir()  # left by an interrupted night
    removed = prune(folder, 3)
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(p).name for p in made[-3:])
    assert len(removed) == 3


def test_backup_restore_and_rebuild_from_the_command_line(home: Path, tmp_path: Path):
    from tests.integration.helpers import cli

    Catalog(f"sqlite:///{home / 'catalog.db'}").close()
    proc = cli(home, "backup", str(tmp_path / "b1"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["dialect"] == "sqlite"
    assert cli(home, "backup", str(tmp_path / "b1")).returncode == 3  # never over an existing backup
    proc = cli(home, "restore", str(tmp_path / "b1"), "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["format"] == "sohoa-catalog-backup/1"
    assert cli(home, "restore", str(tmp_path / "nothing")).returncode == 3
    proc = cli(home, "rebuild-catalog")
    assert proc.returncode == 0 and "audit and access events" in " ".join(proc.stderr.split())
