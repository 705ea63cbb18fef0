"""Vietnamese identifiers and standardized codes: validators and generators (see STANDARDS.md)."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from typing import Literal

from catalog.errors import InvalidCode
from catalog.types import DATA_DIR

PERSONAL_ID_RE = re.compile(r"^\d{3}[0-9]\d{2}\d{6}$")
ENTERPRISE_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
AGENCY_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
DOSSIER_CODE_RE = re.compile(
    r"^(?P<agency>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<yymmdd>\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))-(?P<seq>\d{4})$"
)
PROCEDURE_CODE_RE = re.compile(r"^[123]\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")
DOC_CODE_RE = re.compile(r"^(?P<dossier>.+)\.(?P<ordinal>\d{2,4})$")
ENTERPRISE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


@functools.cache
def province_codes() -> dict[str, str]:
    data = tomllib.loads((DATA_DIR / "provinces.toml").read_text(encoding="utf-8"))
    return dict(data["codes"])


@dataclass(frozen=True, slots=True)
class PersonalId:
    number: str
    province: str
    century: int
    sex: Literal["M", "F"]
    birth_yy: int

    def birth_year(self) -> int:
        return self.century + self.birth_yy

    def matches_birth_date(self, dob: date) -> bool:
        return dob.year == self.birth_year()


def parse_personal_id(value: str) -> PersonalId:
    """Validate a 12-digit personal ID number; raise InvalidCode with a clear reason if it is not one."""
    s = value.strip()
    if not PERSONAL_ID_RE.match(s):
        raise InvalidCode(
            "personal ID number must be exactly 12 digits",
            "số định danh cá nhân phải gồm đúng 12 chữ số",
        )
    if s[:3] not in province_codes():
        raise InvalidCode(
            f"personal ID number starts with unknown province code {s[:3]}",
            f"số định danh cá nhân có mã tỉnh {s[:3]} không tồn tại",
        )
    d = int(s[3])
    century = 1900 + 100 * (d // 2)
    if century > 2100:
        raise InvalidCode(
            f"personal ID number has an impossible century digit {d}",
            f"số định danh cá nhân có chữ số thế kỷ {d} không hợp lệ",
        )
    return PersonalId(s, s[:3], century, "M" if d % 2 == 0 else "F", int(s[4:6]))


def is_personal_id(value: str) -> bool:
    try:
        parse_personal_id(value)
    except InvalidCode:
        return False
    return True


def enterprise_check_digit(first9: str) -> int | None:
    """Check digit N10 for the first nine digits, or None when no digit can be valid."""
    s = sum(int(c) * w for c, w in zip(first9, ENTERPRISE_WEIGHTS, strict=True))
    r = s % 11
    if r == 0:
        return None
    return 10 - r if r != 10 else 0


def is_enterprise_code(value: str) -> bool:
    s = value.strip()
    if not ENTERPRISE_CODE_RE.match(s):
        return False
    return enterprise_check_digit(s[:9]) == int(s[9])


def validate_enterprise_code(value: str) -> str:
    s = value.strip()
    if not ENTERPRISE_CODE_RE.match(s):
        raise InvalidCode(
            "enterprise code must be 10 digits, optionally followed by -NNN",
            "mã số doanh nghiệp phải gồm 10 chữ số, có thể kèm -NNN",
        )
    if enterprise_check_digit(s[:9]) != int(s[9]):
        raise InvalidCode("enterprise code check digit is wrong", "chữ số kiểm tra của mã số doanh nghiệp sai")
    return s


def owner_kind(owner_id: str) -> Literal["citizen", "enterprise"]:
    """Kind of owner an ID names; raise InvalidCode when it is neither a personal ID nor an enterprise code."""
    s = owner_id.strip()
    if PERSONAL_ID_RE.match(s):
        parse_personal_id(s)
        return "citizen"
    if ENTERPRISE_CODE_RE.match(s):
        validate_enterprise_code(s)
        return "enterprise"
    raise InvalidCode(
        "owner ID must be a 12-digit personal ID number or a 10-digit enterprise code",
        "mã chủ sở hữu phải là số định danh cá nhân 12 chữ số hoặc mã số doanh nghiệp 10 chữ số",
    )


def validate_owner_id(owner_id: str) -> str:
    owner_kind(owner_id)
    return owner_id.strip()


def validate_agency_code(code: str) -> str:
    if not AGENCY_CODE_RE.match(code):
        raise InvalidCode(
            f"agency code {code!r} is not of the form 000.00.00.H42",
            f"mã cơ quan {code!r} không đúng dạng 000.00.00.H42",
        )
    return code


def validate_dossier_code(code: str) -> str:
    if not DOSSIER_CODE_RE.match(code):
        raise InvalidCode(
            f"dossier code {code!r} is not of the form 000.00.16.H42-230515-0003",
            f"mã hồ sơ {code!r} không đúng dạng 000.00.16.H42-230515-0003",
        )
    return code


def validate_procedure_code(code: str) -> str:
    if not PROCEDURE_CODE_RE.match(code):
        raise InvalidCode(
            f"procedure code {code!r} is not of the form 1.001193",
            f"mã thủ tục {code!r} không đúng dạng 1.001193",
        )
    return code


@dataclass(frozen=True, slots=True)
class CodeTemplates:
    """Templates for generated codes; the defaults follow STANDARDS.md, the unconfirmed ones are data."""

    dossier: str = "{agency}-{day:%y%m%d}-{seq:04d}"
    document: str = "{dossier}.{ordinal:02d}"
    paper: str = "{owner}.{result_code}.{notation}.{nn:02d}"

    def dossier_code(self, agency: str, day: date, seq: int) -> str:
        if not 1 <= seq <= 9999:
            raise InvalidCode(f"dossier sequence {seq} outside 1-9999", f"số thứ tự hồ sơ {seq} ngoài 1-9999")
        return self.dossier.format(agency=validate_agency_code(agency), day=day, seq=seq)

    def document_code(self, dossier: str, ordinal: int) -> str:
        return self.document.format(dossier=dossier, ordinal=ordinal)

    def paper_code(self, owner: str, result_code: str, notation: str, nn: int) -> str:
        return self.paper.format(owner=owner, result_code=result_code, notation=notation, nn=nn)


def mask_id(value: str | None) -> str:
    """An ID number safe for logs: ``037******589``."""
    if not value:
        return "-"
    s = str(value)
    if len(s) <= 6:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 6) + s[-3:]


def mask_name(value: str | None) -> str:
    """A name safe for logs: initials only, ``N. V. A.``."""
    if not value:
        return "-"
    return " ".join(part[0] + "." for part in value.split() if part)
