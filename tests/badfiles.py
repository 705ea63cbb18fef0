"""Builders of the bad inputs a clerk's scanner folder can contain."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pikepdf
from PIL import Image


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def truncated_jpeg(path: Path, source: Path | None = None) -> Path:
    if source is None:
        buf = io.BytesIO()
        Image.new("RGB", (800, 1000), "white").save(buf, "JPEG", quality=90)
        data = buf.getvalue()
    else:
        data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a pdf body\n%%EOF")
    return path


def _one_page_pdf() -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    return pdf


def encrypted_pdf(path: Path) -> Path:
    _one_page_pdf().save(path, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))
    return path


def signed_pdf(path: Path, signer) -> Path:
    """A PDF that already carries a digital signature (signed with the test's signer)."""
    buf = io.BytesIO()
    _one_page_pdf().save(buf)
    path.write_bytes(signer.sign(buf.getvalue()).data)
    return path


def png_bomb(path: Path, width: int = 40_000, height: int = 40_000) -> Path:
    """A tiny file whose header claims an enormous image."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    idat = zlib.compress(b"\x00" * 1000)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def not_an_image(path: Path) -> Path:
    path.write_text("Biên bản họp tổ dân phố — đây là tệp văn bản, không phải ảnh quét.\n", encoding="utf-8")
    return path
