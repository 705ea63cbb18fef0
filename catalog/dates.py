"""Dates as papers print them: ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` or ``ngày … tháng … năm …``."""

from __future__ import annotations

import re
from datetime import date

from ocr.text import nfc, unaccent

_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")

_DATE_WORDS = re.compile(r"(?:ngay\s*|(?<![\d/.\-]))(\d{1,2})\s*,?\s*thang\s*(\d{1,2})\s*,?\s*nam\s*(\d{4})")


def parse_date(text: str) -> date | None:
    """First date written as ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` or ``ngày … tháng … năm …``."""
    found = find_date(text)
    return found[0] if found else None


def find_date(text: str) -> tuple[date, str] | None:
    """The first valid date in ``text`` and the raw characters it was read from."""
    folded = unaccent(nfc(text)).lower()
    candidates = []
    for rx in (_DATE_NUMERIC, _DATE_WORDS):
        candidates += [(m.start(), m) for m in rx.finditer(folded)]
    for _, m in sorted(candidates, key=lambda c: c[0]):
        try:
            d, mth, y = (int(g) for g in m.groups())
            if 1900 <= y <= 2200:
                return date(y, mth, d), nfc(text)[m.start() : m.end()]
        except ValueError:
            continue
    return None
