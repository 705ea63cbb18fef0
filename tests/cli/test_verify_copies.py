"""``sohoa verify DOC_CODE`` judges every stored copy (audit of issue 23): a corrupted object gives its verdict
(not exit 5, "store unavailable"), and a damaged primary is reported even when the mirror could serve the read."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image

from archive.config import StoreConfig
from archive.mirror import MirroredStore
from archive.store import open_store
from catalog.db import Catalog, Document
from signing.config import SigningConfig
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa
from signing.sign import build_signer

ORG = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"
CODE = "000.00.00.H42-261121-0001.01"
KEY = f"owners/0a1b2c3d4e5f60718293a4b5c6d7e8f9/{CODE}/{CODE}.pdf"


def _signed_pdf(home: Path) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (413, 585), (250, 248, 240)).save(buf, "JPEG", quality=60)
    meta = PdfMetadata("X", CODE, ORG, datetime(2026, 11, 21, tzinfo=ZoneInfo("UTC")))
    pdfa = build_pdfa([PdfPage(buf.getvalue(), 413, 585, 50.0)], meta, SigningConfig().text_font_path)
    return build_signer(SigningConfig(level="B-LT"), home / "pki", ORG).sign(pdfa).data


def _archive(home: Path) -> MirroredStore:
    store = open_store(StoreConfig(url=f"file://{home / 'warehouse'}", mirror_url=f"file://{home / 'mirror'}"))
    data = _signed_pdf(home)
    store.put(KEY, data, content_type="application/pdf")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    with catalog.session() as s:
        s.add(
            Document(
                key="f" * 64, doc_code=CODE, status="archived", input="scan.png", agency="000.00.00.H42",
                operator="clerk", pdf_key=KEY, pdf_sha256=hashlib.sha256(data).hexdigest(),
            )
        )  # fmt: skip
    catalog.close()
    assert isinstance(store, MirroredStore)
    return store


def verify(home: Path, *args: str) -> tuple[int, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_STORE__MIRROR_URL=f"file://{home / 'mirror'}")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "verify", CODE, "--json", *args],
        capture_output=True, text=True, env=env, timeout=300, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _damage(store, data: bytes) -> None:
    p = store.path(KEY)
    p.chmod(0o644)
    p.write_bytes(data)


def test_every_copy_is_judged(home: Path):
    store = _archive(home)
    rc, v = verify(home)
    assert rc == 0 and v["verdict"] == "valid"
    assert [(c["copy"], c["verdict"], c["matches_catalog"]) for c in v["copies"]] == [
        ("primary", "valid", True),
        ("mirror", "valid", True),
    ]

    # the primary's signed bytes changed: its verdict, although the mirror could serve a good read
    good = store.primary.get(KEY)
    pos = good.find(b"<dc:identifier>") + len(b"<dc:identifier>")
    _damage(store.primary, good[:pos] + b"9" + good[pos + 1 :])
    rc, v = verify(home)
    assert rc == 20 and v["verdict"] == "tampered"
    assert v["pdf"] == str(store.primary.path(KEY))  # the report points at the damaged copy
    assert [(c["copy"], c["verdict"]) for c in v["copies"]] == [("primary", "tampered"), ("mirror", "valid")]

    # bytes appended after the signature still verify, but they are not what was archived
    _damage(store.primary, good + b"\n% appended\n")
    rc, v = verify(home)
    assert rc == 20 and v["copies"][0]["matches_catalog"] is False and v["copies"][1]["verdict"] == "valid"

    # garbage, or a copy that is gone: unreadable, never "store unavailable" (5)
    _damage(store.primary, b"\x00" * 2000)
    rc, v = verify(home)
    assert rc == 27 and v["copies"][0]["verdict"] == "unreadable"
    store.primary.path(KEY).unlink()
    _damage(store.mirror, good)  # the mirror is fine
    rc, v = verify(home)
    assert rc == 27 and v["copies"][0]["problem"].startswith("the copy is missing")
    assert v["copies"][1]["verdict"] == "valid"


def test_a_corrupted_object_without_a_mirror_gives_its_verdict_not_exit_5(home: Path):
    store = _archive(home)
    good = store.primary.get(KEY)
    _damage(store.primary, good[:-200] + b"\x00" * 200)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)  # no mirror configured
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "verify", CODE, "--json"],
        capture_output=True, text=True, env=env, timeout=300, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    v = json.loads(proc.stdout)
    assert proc.returncode == v["exit_code"] != 5 and v["verdict"] in ("tampered", "invalid", "unreadable")
    assert [c["copy"] for c in v["copies"]] == ["primary"] and v["copies"][0]["matches_catalog"] is False
