"""``sohoa verify`` exit codes per verdict and ``sohoa pki``."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from signing.config import SigningConfig
from signing.pdfa import PdfMetadata, PdfPage, build_pdfa
from signing.sign import build_signer

pytest_plugins = ["tests.fixtures_pki"]

ORG = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"


@pytest.fixture
def signed(home: Path, tmp_path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (413, 585), (250, 248, 240)).save(buf, "JPEG", quality=60)
    meta = PdfMetadata("X", "000.00.00.H42-261121-0001.01", ORG, datetime(2026, 11, 21, tzinfo=ZoneInfo("UTC")))
    pdfa = build_pdfa([PdfPage(buf.getvalue(), 413, 585, 50.0)], meta, SigningConfig().text_font_path)
    path = tmp_path / "signed.pdf"
    path.write_bytes(build_signer(SigningConfig(level="B-LT"), home / "pki", ORG).sign(pdfa).data)
    (tmp_path / "unsigned.pdf").write_bytes(pdfa)
    return path


def test_verify_exit_codes(home: Path, signed: Path, tmp_path: Path, sohoa_cli, sohoa_cli_json):
    rc, v = sohoa_cli_json(home, "verify", str(signed), "--json")
    assert rc == 0 and v["verdict"] == "valid" and v["level"] == "B-LT" and v["exit_code"] == 0
    assert sohoa_cli(home, "verify", str(signed), "--min-level", "B-LTA").returncode == 24
    proc = sohoa_cli(home, "verify", str(signed))
    assert proc.returncode == 0 and "hợp lệ" in proc.stdout and "Traceback" not in proc.stderr

    data = bytearray(signed.read_bytes())
    pos = data.find(b"<dc:identifier>") + len(b"<dc:identifier>")
    data[pos] = ord("9")
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    rc, v = sohoa_cli_json(home, "verify", str(tampered), "--json")
    assert rc == 20 and v["verdict"] == "tampered"

    assert sohoa_cli(home, "verify", str(tmp_path / "unsigned.pdf")).returncode == 26
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7 not really")
    assert sohoa_cli(home, "verify", str(junk)).returncode == 27
    assert sohoa_cli(home, "verify", "000.00.00.H42-000101-9999.01").returncode == 10


def test_verify_against_another_pki_is_untrusted(home: Path, signed: Path, tmp_path: Path, sohoa_cli, sohoa_cli_json):
    other = tmp_path / "other-home"
    assert sohoa_cli(other, "pki", "init-demo").returncode == 0
    rc, v = sohoa_cli_json(other, "verify", str(signed), "--json")
    assert rc == 23 and v["verdict"] == "untrusted"


def test_pki_init_demo_and_show(tmp_path: Path, sohoa_cli, sohoa_cli_json):
    h = tmp_path / "h"
    rc, rows = sohoa_cli_json(h, "pki", "init-demo", "--json")
    assert rc == 0 and [r["role"] for r in rows] == ["root", "signer", "tsa"]
    assert all("DEMO" in r["subject"] for r in rows)
    assert oct((h / "pki" / "demo-signer.key").stat().st_mode & 0o777) == "0o600"
    rc, info = sohoa_cli_json(h, "pki", "show", "--json")
    assert rc == 0 and info["backend"] == "demo" and info["level"] == "B-LTA" and "DEMO" in info["signer"]
    old_root = (h / "pki" / "demo-root.pem").read_bytes()
    assert sohoa_cli(h, "pki", "init-demo", "--force").returncode == 0
    assert (h / "pki" / "demo-root.pem").read_bytes() != old_root
    assert any(p.read_bytes() == old_root for p in (h / "pki").glob("demo-root-old-*.pem"))  # still trusted
