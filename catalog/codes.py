"""Vietnamese identifiers and standardized codes: validators and generators (see STANDARDS.md)."""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
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


_PRINTED_D = "[0-9OoIl|SsB]"
_PRINTED_SEP = r"\s*[-–—.,_]{1,2}\s*"
PRINTED_DOSSIER_CODE = re.compile(
    rf"({_PRINTED_D}{{3}})\.({_PRINTED_D}{{2}})\.({_PRINTED_D}{{2}})\.([A-Z])({_PRINTED_D}{{2}})"
    rf"{_PRINTED_SEP}({_PRINTED_D}{{6}}){_PRINTED_SEP}({_PRINTED_D}{{4}})(?![0-9])"
)
"""A dossier code as OCR gives it from print: O or o for 0, I, l or | for 1, S or s for 5, B for 8, a dash read
as a dot or doubled, spaces around the dashes."""
_PRINTED_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5", "s": "5", "B": "8"})


def find_printed_dossier_code(text: str) -> tuple[str, str] | None:
    """The first dossier-code-shaped text in ``text``, put right (``000.00.16.H42-230515-0003``), with the raw
    text it was read from; not validated (``validate_dossier_code`` checks its date)."""
    m = PRINTED_DOSSIER_CODE.search(text)
    if m is None:
        return None
    a, b, c, letter, d, day, seq = (g.translate(_PRINTED_FIX) if k != 3 else g for k, g in enumerate(m.groups()))
    return f"{a}.{b}.{c}.{letter}{d}-{day}-{seq}", m.group(0)


def validate_procedure_code(code: str) -> str:
    if not PROCEDURE_CODE_RE.match(code):
        raise InvalidCode(
            f"procedure code {code!r} is not of the form 1.001193",
            f"mã thủ tục {code!r} không đúng dạng 1.001193",
        )
    return code


AGENCY_LEVEL1_RE = re.compile(r"^[A-Z]\d{2}$")

# What each template field may look like; a template's parser is built from these, so a configured
# template (CatalogConfig) is validated by the same rules it is generated with.
_FIELD_PATTERNS = {
    "agency": r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}",
    "owner": r"\d{12}|\d{10}(?:-\d{3})?",
    "result_code": r"KQ\.[GH]\d{2}\.\d{6}",
    "notation": r"[A-Z0-9]+(?:-[A-Z0-9]+)*",
}
_STRFTIME = {
    "%y": r"\d{2}",
    "%Y": r"\d{4}",
    "%m": r"(?:0[1-9]|1[0-2])",
    "%d": r"(?:0[1-9]|[12]\d|3[01])",
}


def agency_code(level1: str, level2: int = 0, level3: int = 0, level4: int = 0) -> str:
    """Agency electronic ID (QĐ 20/2020/QĐ-TTg): ``V1V2V3.Z1Z2.Y1Y2.MX1X2``, levels right to left.

    ``agency_code("H42")`` = Ninh Bình People's Committee ``000.00.00.H42``; ``agency_code("H42", 16)``
    a level-2 unit ``000.00.16.H42``; ``agency_code("H42", 16, 5)`` a level-3 unit ``000.05.16.H42``.
    """
    if not AGENCY_LEVEL1_RE.match(level1):
        raise InvalidCode(
            f"level-1 agency code {level1!r} must be a capital letter and two digits (H42)",
            f"mã cấp 1 {level1!r} phải gồm một chữ in hoa và hai chữ số (H42)",
        )
    for n, width in ((level2, 2), (level3, 2), (level4, 3)):
        if not 0 <= n < 10**width:
            raise InvalidCode(f"agency level number {n} outside 0-{10**width - 1}", f"mã cấp {n} ngoài phạm vi")
    if (level4 and not level3) or (level3 and not level2):
        raise InvalidCode("a lower agency level needs every level above it", "mã cấp dưới cần có đủ các cấp phía trên")
    return f"{level4:03d}.{level3:02d}.{level2:02d}.{level1}"


@dataclass(frozen=True, slots=True)
class AgencyLevels:
    level1: str
    level2: int
    level3: int
    level4: int

    @property
    def depth(self) -> int:
        """1 = ministry/province, 2 = department/district, 3 = commune or unit under it, 4 = below."""
        return 4 if self.level4 else 3 if self.level3 else 2 if self.level2 else 1

    @property
    def parent(self) -> str | None:
        if self.depth == 1:
            return None
        levels = [self.level2, self.level3, self.level4]
        levels[self.depth - 2] = 0
        return agency_code(self.level1, *levels)


def parse_agency_code(code: str) -> AgencyLevels:
    validate_agency_code(code)
    v, z, y, m = code.split(".")
    levels = AgencyLevels(m, int(y), int(z), int(v))
    agency_code(levels.level1, levels.level2, levels.level3, levels.level4)  # the hierarchy rule
    return levels


def _template_regex(template: str, parts: dict[str, str]) -> re.Pattern[str]:
    """A full-match regex with one named group per field of a ``str.format`` template."""
    out = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is None:
            continue
        if name in parts:
            pat = parts[name]
        elif name in _FIELD_PATTERNS:
            pat = _FIELD_PATTERNS[name]
        elif spec and "%" in spec:
            pat = re.sub(r"%[A-Za-z]", lambda m: _STRFTIME.get(m.group(0), ".+?"), re.escape(spec).replace("\\%", "%"))
        elif spec and spec.endswith("d"):
            width = int(spec[:-1] or 1)
            pat = rf"\d{{{width},}}"
        else:
            pat = r".+?"
        out.append(f"(?P<{name}>{pat})")
    return re.compile("^" + "".join(out) + "$")


@dataclass(frozen=True, slots=True)
class ParsedDossier:
    agency: str
    day: date
    seq: int


@dataclass(frozen=True, slots=True)
class ParsedPaper:
    owner: str
    result_code: str
    notation: str
    nn: int


@dataclass(frozen=True, slots=True)
class CodeTemplates:
    """Templates for generated codes; the defaults follow STANDARDS.md, the unconfirmed ones are data.

    Every generator has a parser built from the same template, so a configured template is validated
    by the rules it is generated with.
    """

    dossier: str = "{agency}-{day:%y%m%d}-{seq:04d}"
    document: str = "{dossier}.{ordinal:02d}"
    paper: str = "{owner}.{result_code}.{notation}.{nn:02d}"

    def _dossier_rx(self) -> re.Pattern[str]:
        return _template_regex(self.dossier, {"seq": r"\d{4}"})

    def _document_rx(self) -> re.Pattern[str]:
        inner = self._dossier_rx().pattern[1:-1]
        inner = re.sub(r"\(\?P<[a-z_]+>", "(?:", inner)
        return _template_regex(self.document, {"dossier": inner})

    # --- dossier codes (TT 01/2018/TT-VPCP Art. 19) ---------------------------------------------
    def dossier_code(self, agency: str, day: date, seq: int) -> str:
        if not 1 <= seq <= 9999:
            raise InvalidCode(f"dossier sequence {seq} outside 1-9999", f"số thứ tự hồ sơ {seq} ngoài 1-9999")
        return self.dossier.format(agency=validate_agency_code(agency), day=day, seq=seq)

    def parse_dossier_code(self, code: str) -> ParsedDossier:
        m = self._dossier_rx().match(code)
        if not m:
            raise InvalidCode(
                f"dossier code {code!r} does not follow the template {self.dossier}",
                f"mã hồ sơ {code!r} không đúng mẫu {self.dossier}",
            )
        g = m.groupdict()
        spec = next(s for _, n, s, _ in string.Formatter().parse(self.dossier) if n == "day")
        try:
            day = datetime.strptime(g["day"], spec).date()
            if day.year < 2000 and "%y" in spec:  # strptime reads 69-99 as 19xx; dossiers are this century
                day = day.replace(year=day.year + 100)
        except ValueError as e:
            raise InvalidCode(f"dossier code {code!r} has an impossible date", f"mã hồ sơ {code!r} sai ngày") from e
        return ParsedDossier(g["agency"], day, int(g["seq"]))

    def is_dossier_code(self, code: str) -> bool:
        try:
            self.parse_dossier_code(code)
        except InvalidCode:
            return False
        return True

    # --- document codes = archive file names (TT 05/2025/TT-BNV Art. 8) --------------------------
    def document_code(self, dossier: str, ordinal: int) -> str:
        if not 1 <= ordinal <= 9999:
            raise InvalidCode(f"document ordinal {ordinal} outside 1-9999", f"số thứ tự văn bản {ordinal} ngoài 1-9999")
        return self.document.format(dossier=dossier, ordinal=ordinal)

    def parse_document_code(self, code: str) -> tuple[str, int]:
        m = self._document_rx().match(code)
        if not m:
            raise InvalidCode(
                f"document code {code!r} does not follow the template {self.document}",
                f"mã văn bản {code!r} không đúng mẫu {self.document}",
            )
        self.parse_dossier_code(m.group("dossier"))
        return m.group("dossier"), int(m.group("ordinal"))

    def archive_file_name(self, dossier: str, ordinal: int | None = None, ext: str = "pdf") -> str:
        """``<dossier code>.<ordinal>.pdf``; a whole dossier scanned as one file is ``<dossier code>.pdf``."""
        self.parse_dossier_code(dossier)
        if not re.match(r"^[a-z0-9]{1,8}$", ext):
            raise InvalidCode(f"file extension {ext!r} is not allowed", f"phần mở rộng {ext!r} không hợp lệ")
        stem = dossier if ordinal is None else self.document_code(dossier, ordinal)
        return f"{stem}.{ext}"

    def parse_archive_file_name(self, name: str) -> tuple[str, int | None]:
        stem, dot, ext = name.rpartition(".")
        if not dot or not re.match(r"^[a-z0-9]{1,8}$", ext):
            raise InvalidCode(f"archive file name {name!r} has no extension", f"tên tệp {name!r} thiếu phần mở rộng")
        if self.is_dossier_code(stem):
            return stem, None
        return self.parse_document_code(stem)

    # --- digitized-paper codes (*unconfirmed* provincial format) ----------------------------------
    def paper_code(self, owner: str, result_code: str, notation: str, nn: int) -> str:
        validate_owner_id(owner)
        if not 1 <= nn <= 99:
            raise InvalidCode(f"paper counter {nn} outside 1-99", f"số thứ tự giấy tờ {nn} ngoài 1-99")
        code = self.paper.format(owner=owner, result_code=result_code, notation=notation, nn=nn)
        self.parse_paper_code(code)
        return code

    def parse_paper_code(self, code: str) -> ParsedPaper:
        m = _template_regex(self.paper, {"nn": r"\d{2}"}).match(code)
        if not m:
            raise InvalidCode(
                f"digitized-paper code {code!r} does not follow the template {self.paper}",
                f"mã giấy tờ số hóa {code!r} không đúng mẫu {self.paper}",
            )
        g = m.groupdict()
        if "owner" in g:
            validate_owner_id(g["owner"])
        return ParsedPaper(g.get("owner", ""), g.get("result_code", ""), g.get("notation", ""), int(g.get("nn", 0)))


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
