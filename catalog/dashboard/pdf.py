"""The printable report as PDF, printed by headless Chromium from the same HTML (A4, the page's print CSS).

Chromium is an optional program here (Debian ``chromium``): without it ``--format pdf`` says which package to
install, and the HTML report prints the same from any browser.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from catalog.errors import CatalogError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class BrowserMissing(CatalogError):
    reason_code = "missing_dependency"
    exit_code = 4


class PdfFailed(CatalogError):
    reason_code = "pdf_failed"
    exit_code = 1


def find_browser() -> str | None:
    return next((p for p in (shutil.which(b) for b in BROWSERS) if p), None)


def html_to_pdf(html: str, timeout: float = 120.0) -> bytes:
    browser = find_browser()
    if browser is None:
        raise BrowserMissing(
            "PDF reports need headless Chromium: apt install chromium (or use --format html and print it)",
            "báo cáo PDF cần Chromium: apt install chromium (hoặc dùng --format html rồi in)",
        )
    with tempfile.TemporaryDirectory(prefix="sohoa-pdf-") as d:
        src, out = Path(d) / "report.html", Path(d) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={d}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise PdfFailed("Chromium did not finish printing the report", "Chromium không in xong báo cáo") from e
        if not out.is_file() or out.stat().st_size == 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or [""]
            raise PdfFailed(f"Chromium could not print the report: {tail[0]}", f"Chromium không in được: {tail[0]}")
        return out.read_bytes()
