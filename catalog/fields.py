"""Read key fields from OCR text, each with a confidence.

Labels are matched on the unaccented form (same length as the text, so values are cut from the
original with their diacritics). Invalid values are never accepted silently: they come back with a
low confidence so the document goes to review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from catalog.codes import is_enterprise_code, parse_personal_id
from catalog.errors import InvalidCode
from catalog.types import DocumentType
from ocr.text import nfc, unaccent


@dataclass(frozen=True, slots=True)
class FieldValue:
    value: str
    confidence: float


LABELS: dict[str, tuple[str, ...]] = {
    "id_number": (
        "so dinh danh ca nhan",
        "so can cuoc cong dan",
        "so can cuoc",
        "so cccd",
        "so cmnd",
        "so giay to tuy than",
        "so / no.",
        "so/no.",
        "so / no",
        "personal identification number",
    ),
    "enterprise_code": ("ma so doanh nghiep", "ma so thue", "ma so ho kinh doanh"),
    "full_name": (
        "ho, chu dem, ten nguoi yeu cau",
        "ho, chu dem, ten khai sinh",
        "ho, chu dem va ten",
        "ho, chu dem, ten",
        "ho va ten",
        "ho ten",
        "ten cong ty viet bang tieng viet",
        "ten doanh nghiep",
        "ten ho kinh doanh",
        "full name",
    ),
    "date_of_birth": ("ngay, thang, nam sinh", "ngay thang nam sinh", "ngay sinh", "sinh ngay", "date of birth"),
    "issue_date": (
        "ngay, thang, nam dang ky",
        "ngay, thang, nam cap",
        "ngay dang ky",
        "dang ky lan dau",
        "ngay cap",
    ),
    "valid_until": (
        "co gia tri den",
        "ngay, thang, nam het han",
        "ngay het han",
        "co hieu luc den",
        "date of expiry",
        "gia tri den",
    ),
}

_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_PLACE_DATE = re.compile(r"[,.]\s*ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_TWELVE = re.compile(r"(?<![\d])(\d[\d ]{10,14}\d)(?![\d])")
_ENTERPRISE = re.compile(r"(?<![\d])(\d{10}(?:-\d{3})?)(?![\d])")
_NAME_OK = re.compile(r"^[^\W\d_]+(?: [^\W\d_]+){1,7}$")
_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap", "tu do", "hanh phuc")
_ISSUER_WORDS = (
    "uy ban",
    "ubnd",
    "so ",
    "bo ",
    "cong an",
    "phong ",
    "truong ",
    "cuc ",
    "chi cuc",
    "van phong",
    "benh vien",
    "trung tam",
    "toa an",
    "hoi dong",
)


def parse_date(text: str) -> date | None:
    """First date written as ``dd/mm/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` or ``ngày … tháng … năm …``."""
    folded = unaccent(nfc(text)).lower()
    candidates = []
    for rx in (_DATE_NUMERIC, _DATE_WORDS):
        m = rx.search(folded)
        if m:
            candidates.append((m.start(), m))
    for _, m in sorted(candidates, key=lambda c: c[0]):
        try:
            d, mth, y = (int(g) for g in m.groups())
            if 1900 <= y <= 2200:
                return date(y, mth, d)
        except ValueError:
            continue
    return None


def title_case(name: str) -> str:
    return " ".join(part[:1].upper() + part[1:].lower() for part in nfc(name).split())


def _after_label(lines: list[str], folded: list[str], labels: tuple[str, ...]) -> list[str]:
    """Values that follow ``label:`` (same line, or the next line when empty), in text order."""
    values = []
    for i, fl in enumerate(folded):
        for label in labels:
            pos = fl.find(label)
            if pos < 0:
                continue
            rest = fl[pos + len(label) :]
            m = re.match(r"\s*(/\s*[a-z .']+)?\s*[:;]\s*", rest)
            if not m:
                continue
            start = pos + len(label) + m.end()
            value = lines[i][start:].strip()
            if not value and i + 1 < len(lines):
                value = lines[i + 1].strip()
            values.append(value)
            break
    return values


_NAME_STOPS = (
    "nam sinh",
    "gioi tinh",
    "sinh ngay",
    "ngay sinh",
    "dan toc",
    "quoc tich",
    "sex",
    "chuc danh",
    "quan he",
    "date of birth",
)


def _cut_name(value: str) -> str:
    """The name alone, without a label that follows it on the same line (``… Năm sinh: 1975``)."""
    value = re.split(r"\s{2,}|\t", value.strip())[0]
    folded = unaccent(value).lower()
    cut = len(value)
    for stop in _NAME_STOPS:
        m = re.search(r"(?:^|\s)" + re.escape(stop) + r"\b", folded)
        if m:
            cut = min(cut, m.start())
    value = value[:cut]
    tokens = value.split()
    if tokens and tokens[0].isupper():
        # names are printed in capitals: stop at the first word that is not
        run = []
        for tok in tokens:
            if not tok.isupper():
                break
            run.append(tok)
        tokens = run
    return " ".join(tokens).strip(" .,;:-")


def _digits(s: str) -> str:
    return re.sub(r"[ ]", "", s)


def extract_fields(text: str, doc_type: DocumentType | None) -> dict[str, FieldValue]:
    """Every field the type carries (or all known fields when the type is unknown)."""
    lines = [nfc(line) for line in text.splitlines()]
    folded = [unaccent(line).lower() for line in lines]
    wanted = set(doc_type.fields) if doc_type else set(LABELS) | {"issuer"}
    out: dict[str, FieldValue] = {}

    if "full_name" in wanted:
        for value in _after_label(lines, folded, LABELS["full_name"]):
            value = _cut_name(value)
            if value:
                ok = bool(_NAME_OK.match(value)) and 2 <= len(value.split()) <= 8
                out["full_name"] = FieldValue(title_case(value), 0.9 if ok else 0.4)
                break

    dob = None
    if "date_of_birth" in wanted:
        for value in _after_label(lines, folded, LABELS["date_of_birth"]):
            dob = parse_date(value)
            if dob:
                out["date_of_birth"] = FieldValue(dob.isoformat(), 0.92)
                break

    if "id_number" in wanted:
        found = None
        for value in _after_label(lines, folded, LABELS["id_number"]):
            m = _TWELVE.search(value)
            if m and len(_digits(m.group(1))) == 12:
                found = (_digits(m.group(1)), 0.95)
                break
        if found is None:
            for fl in folded:
                m = _TWELVE.search(fl)
                if m and len(_digits(m.group(1))) == 12:
                    found = (_digits(m.group(1)), 0.6)
                    break
        if found:
            number, conf = found
            try:
                pid = parse_personal_id(number)
                if dob and not pid.matches_birth_date(dob):
                    conf = min(conf, 0.3)
                    out["date_of_birth"] = FieldValue(out["date_of_birth"].value, 0.5)
            except InvalidCode:
                conf = 0.2
            out["id_number"] = FieldValue(number, conf)

    if "enterprise_code" in wanted:
        for value in _after_label(lines, folded, LABELS["enterprise_code"]):
            m = _ENTERPRISE.search(value)
            if m:
                code = m.group(1)
                out["enterprise_code"] = FieldValue(code, 0.95 if is_enterprise_code(code) else 0.2)
                break

    if "issue_date" in wanted:
        issued = None
        for value in _after_label(lines, folded, LABELS["issue_date"]):
            issued = parse_date(value)
            if issued:
                out["issue_date"] = FieldValue(issued.isoformat(), 0.9)
                break
        if issued is None:
            for fl in reversed(folded):
                m = _PLACE_DATE.search(fl)
                if m:
                    try:
                        d, mth, y = (int(g) for g in m.groups())
                        out["issue_date"] = FieldValue(date(y, mth, d).isoformat(), 0.85)
                        break
                    except ValueError:
                        continue

    if "valid_until" in wanted:
        for value in _after_label(lines, folded, LABELS["valid_until"]):
            until = parse_date(value)
            if until:
                out["valid_until"] = FieldValue(until.isoformat(), 0.9)
                break
        if "valid_until" not in out and doc_type is not None:
            issued_s = out.get("issue_date")
            issued_d = date.fromisoformat(issued_s.value) if issued_s else None
            computed = doc_type.validity.valid_until(issued_d, None)
            if computed:
                out["valid_until"] = FieldValue(computed.isoformat(), round(issued_s.confidence * 0.95, 3))  # type: ignore[union-attr]

    if "issuer" in wanted:
        issuer = _issuer(lines, folded)
        if issuer:
            out["issuer"] = FieldValue(issuer, 0.7)
    return out


def _issuer(lines: list[str], folded: list[str]) -> str | None:
    parts: list[str] = []
    for line, fl in zip(lines[:8], folded[:8], strict=False):
        cut_line, cut_fold = line, fl
        for motto in _MOTTO:
            pos = cut_fold.find(motto)
            if pos >= 0:
                cut_line, cut_fold = cut_line[:pos], cut_fold[:pos]
        cut_line = cut_line.strip(" -—")
        if not cut_line:
            continue
        if any(cut_fold.strip().startswith(w.strip()) for w in _ISSUER_WORDS) or (parts and cut_line.isupper()):
            parts.append(cut_line.strip())
            if len(parts) == 2:
                break
        elif parts:
            break
    return " ".join(parts) if parts else None
