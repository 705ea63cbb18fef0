"""Read key fields from OCR text, each with a confidence.

How a value is found: after one of the printed labels of its document type (``[type.labels]`` in the
catalogue, most specific first), else after a generic label; labels are matched on the unaccented form
(same length as the text, so values are cut from the original with their diacritics) and tolerate the
punctuation OCR tends to lose or invent.

How sure we are: each value starts from a rule confidence (how it was found), is multiplied by what
Tesseract said about the words it was read from (a name read as "MY" where "Mỹ" was printed usually
carries a low word confidence), and is cut hard when a validator rejects it: 12-digit ID with an unknown
province, or whose century/sex and year digits contradict the date of birth and sex read from the same
paper; enterprise code with a wrong check digit; a name that is not made of Vietnamese syllables; an
impossible or implausible date. Invalid values are never accepted silently: they come back with a low
confidence and a reason, so the document goes to review.

What a Vietnamese name may be is ``catalog.names``; how dates are written, ``catalog.dates``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from catalog.codes import is_enterprise_code, parse_personal_id
from catalog.dates import find_date
from catalog.errors import InvalidCode
from catalog.names import (
    confusable_given_name,
    confusable_surname,
    has_vowel,
    is_syllable,
    is_vietnamese_name,
    norm_token,
    repair_surname,
    split_run_together_guessing,
    strip_token,
    title_case,
)
from catalog.types import DocumentType
from ocr.text import Word, nfc, unaccent

# Word confidence (Tesseract 0-100) at or above which OCR costs a value nothing, and at or below which
# the value is worthless. Between the two the field confidence falls linearly. Measured on the generated
# benchmark (scripts/bench_classify.py): correct values are read at >= 85 almost always.
WORD_CONF_FULL = 85.0
WORD_CONF_ZERO = 40.0
# Dates are checked by structure (a real calendar day, plausible order, the birth year against the ID's
# digits) and Tesseract is shy on "dd/mm/yyyy" tokens even when it reads them right: a softer ramp.
DATE_WORD_CONF = (20.0, 65.0)
WORD_CONF_BY_FIELD = {k: DATE_WORD_CONF for k in ("date_of_birth", "issue_date", "valid_until")}
INVALID = 0.2
"""Confidence given to a value a validator rejects: far below any sensible review threshold."""


@dataclass(frozen=True, slots=True)
class FieldValue:
    value: str
    confidence: float
    problem: str | None = None
    """Why the value is doubtful (validator or OCR), None when nothing was found wrong."""
    source: str | None = field(default=None, compare=False, repr=False)
    """The text the value was read from, as OCR gave it (to find its words again)."""
    second_read: bool = False
    """A second read of the value's words on their own agreed with the first (see ``catalog.assess``)."""


LABELS: dict[str, tuple[str, ...]] = {
    "id_number": (
        "so dinh danh ca nhan",
        "so can cuoc cong dan",
        "so can cuoc",
        "so cccd",
        "so cmnd",
        "so giay to tuy than",
        "so / no.",
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
        "full name",
    ),
    "date_of_birth": ("ngay, thang, nam sinh", "ngay sinh", "sinh ngay", "date of birth"),
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
SEX_LABELS = ("gioi tinh / sex", "gioi tinh")

_PLACE_DATE = re.compile(r"[,.]\s*ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_TWELVE = re.compile(r"(?<![\dA-Za-z])([\dOoIlSB][\dOoIlSB ]{10,14}[\dOoIlSB])(?![\dA-Za-z])")
_ENTERPRISE = re.compile(r"(?<![\d])(\d{10}(?:-\d{3})?)(?![\d])")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "B": "8"})
_HONORIFIC = re.compile(r"^(?:ong\s*/\s*ba|ong\s*\(\s*ba\s*\)|ong|ba)\b[\s:.]*")
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


class WordConfidence:
    """Looks up what Tesseract said about the words a value was read from."""

    def __init__(self, words: Sequence[Word] | None) -> None:
        self.tokens = None
        self.exact: list[str] = []
        self.index: list[int] = []
        if words:
            self.tokens = []
            for i, w in enumerate(words):
                if t := norm_token(w.text):
                    self.tokens.append((t, w.conf))
                    self.exact.append(strip_token(w.text))
                    self.index.append(i)

    def _hits(self, raw: str) -> list[tuple[float, int, int]]:
        """(lowest confidence, first token, token count) of every run of words that spells ``raw``.

        Runs written exactly as ``raw`` (same case) are the ones it was read from; only when there are none
        do runs that differ in case count (a name printed in capitals by its label and again in a signature
        line elsewhere on the page is judged by the capitals).
        """
        if self.tokens is None:
            return []
        parts = [x for x in raw.split() if norm_token(x)]
        want = [norm_token(x) for x in parts]
        exact = [strip_token(x) for x in parts]
        n = len(want)
        if not n:
            return []
        hits, same_case = [], []
        for i in range(len(self.tokens) - n + 1):
            if all(self.tokens[i + j][0] == want[j] for j in range(n)):
                hit = (min(self.tokens[i + j][1] for j in range(n)), i, n)
                hits.append(hit)
                if self.exact[i : i + n] == exact:
                    same_case.append(hit)
        return same_case or hits

    def of(self, raw: str) -> float | None:
        """Lowest word confidence (0-100) over the words of ``raw``; None when unknown."""
        hits = self._hits(raw)
        return min(hits)[0] if hits else None

    def span(self, raw: str) -> list[int]:
        """Positions (in the words given) of the words ``raw`` was read from: the least sure run if several."""
        hits = self._hits(raw)
        if not hits:
            return []
        _, i, n = min(hits)
        return [self.index[i + j] for j in range(n)]

    def factor(self, raw: str, zero: float = WORD_CONF_ZERO, full: float = WORD_CONF_FULL) -> tuple[float, str | None]:
        """Multiplier for a field's confidence, with a reason when it costs something."""
        conf = self.of(raw)
        if conf is None:
            return (1.0, None) if self.tokens is None else (0.85, None)
        f = (conf - zero) / (full - zero)
        f = max(0.0, min(1.0, f))
        return f, None if f >= 1.0 else f"ocr_word_confidence {conf:.0f}"


def _label_regex(label: str) -> re.Pattern[str]:
    tokens = re.findall(r"[a-z0-9]+", label)
    body = r"[^a-z0-9\n]{0,4}".join(re.escape(t) for t in tokens)
    # after the label: an optional English label ("/ Full name"), then ':' (OCR may read ';' '.' ',')
    return re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])\s*(?:/\s*[a-z .']+?)?\s*[:;.,](?![\d])\s*")


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _after_labels(lines: list[str], folded: list[str], labels: Sequence[str]) -> list[str]:
    """Values that follow ``label:`` (same line, or the next line when empty), label by label in the
    given order (most specific first), each label in text order.

    A bilingual label (``họ tên / full name``) also matches its Vietnamese half alone, so an English half
    damaged by OCR ("Eull name") costs nothing. When no label is followed by its colon, a long label
    (3+ words) followed directly by a capital or a digit is taken: OCR often drops the colon.
    """
    labels = list(labels) + [lb.split(" / ")[0] for lb in labels if " / " in lb and lb.split(" / ")[0] not in labels]
    values = []
    for label in labels:
        rx = _REGEX_CACHE.get(label)
        if rx is None:
            rx = _REGEX_CACHE[label] = _label_regex(label)
        for i, fl in enumerate(folded):
            m = rx.search(fl)
            if not m:
                continue
            value = lines[i][m.end() :].strip()
            if not value and i + 1 < len(lines):
                value = lines[i + 1].strip()
            if value:
                values.append(value)
    if values:
        return values
    for label in labels:
        tokens = re.findall(r"[a-z0-9]+", label)
        if len(tokens) < 3:
            continue
        rx = re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9\n]{0,4}".join(map(re.escape, tokens)) + r"(?![a-z0-9])\s+")
        for i, fl in enumerate(folded):
            m = rx.search(fl)
            if m and m.end() < len(lines[i]) and (lines[i][m.end()].isupper() or lines[i][m.end()].isdigit()):
                values.append(lines[i][m.end() :].strip())
    return values


def _cut_name(value: str) -> str:
    """The name alone, without an honorific before it or a label after it on the same line."""
    value = re.split(r"\s{2,}|\t", value.strip())[0]
    m = _HONORIFIC.match(unaccent(value).lower())
    if m:
        value = value[m.end() :]
    folded = unaccent(value).lower()
    cut = len(value)
    for stop in _NAME_STOPS:
        m = re.search(r"(?:^|\s)" + re.escape(stop) + r"\b", folded)
        if m:
            cut = min(cut, m.start())
    value = value[:cut]
    tokens = [t.strip(".,;:-_`'\"|~*") for t in value.split()]
    tokens = [t for t in tokens if t]
    if tokens and tokens[0].isupper():
        # names are printed in capitals: stop at the first word that is not
        run = []
        for tok in tokens:
            if not tok.isupper():
                break
            run.append(tok)
        tokens = run
    return " ".join(tokens).strip(" .,;:-")


class _Reader:
    def __init__(self, text: str, doc_type: DocumentType | None, words: Sequence[Word] | None) -> None:
        # Blank lines carry no value: OCR separates layout blocks with them, and a label's value on the
        # "next line" must not be lost to one.
        self.lines = [nfc(line) for line in text.splitlines() if line.strip()]
        self.folded = [unaccent(line).lower() for line in self.lines]
        self.doc_type = doc_type
        self.words = WordConfidence(words)

    def candidates(self, key: str) -> list[tuple[str, float]]:
        """(value, rule confidence): the type's own labels first, then the generic ones (less sure)."""
        own = self.doc_type.folded_labels(key) if self.doc_type else ()
        if own:
            # the type says which labels carry the value: another label of the page would name someone
            # else (the legal representative on an enterprise certificate, the mother on a birth paper)
            return [(v, 1.0) for v in _after_labels(self.lines, self.folded, own)]
        return [(v, 1.0) for v in _after_labels(self.lines, self.folded, LABELS.get(key, ()))]

    def value(self, key: str, value: str, raw: str, rule: float, problem: str | None = None) -> FieldValue:
        f, why = self.words.factor(raw, *WORD_CONF_BY_FIELD.get(key, (WORD_CONF_ZERO, WORD_CONF_FULL)))
        return FieldValue(value, round(rule * f, 3), problem or why, source=raw)


def _id_from(value: str) -> tuple[str, str, bool] | None:
    """(12 digits, raw text, whether letters had to be read as digits) from the start of a value."""
    m = _TWELVE.search(value[:40])
    if not m:
        return None
    raw = m.group(1)
    digits = raw.translate(_DIGIT_FIX).replace(" ", "")
    if len(digits) != 12 or not digits.isdigit():
        return None
    return digits, raw, digits != raw.replace(" ", "")


def extract_fields(
    text: str, doc_type: DocumentType | None, words: Sequence[Word] | None = None, today: date | None = None
) -> dict[str, FieldValue]:
    """Every field the type carries (or all known fields when the type is unknown).

    ``words`` are the OCR words with their confidences (all pages); without them only the rules and
    validators decide the confidence (e.g. for text typed by a clerk).
    """
    r = _Reader(text, doc_type, words)
    today = today or date.today()
    wanted = set(doc_type.fields) if doc_type else set(LABELS) | {"issuer"}
    person_names = doc_type is None or doc_type.owner_field == "id_number"
    out: dict[str, FieldValue] = {}

    if "full_name" in wanted:
        for value, rule in r.candidates("full_name"):
            name = _cut_name(value)
            if not name:
                continue
            repaired = False
            if person_names:
                raw_name = name
                name, repaired = repair_surname(name)
                name, split, guessed = split_run_together_guessing(name)
                repaired = repaired or split
                ok = is_vietnamese_name(name)
                problem = None if ok else "not_a_vietnamese_name"
                if ok and guessed:  # the likelier reading is kept, but a person confirms it
                    ok, problem = False, "name_split_guessed"
                common = confusable_surname(name) if ok else None
                given = confusable_given_name(name) if ok else None
                if common is not None:
                    # read as a rare family name one diacritic away from a common one: a person decides
                    ok, problem = False, f"family_name_confusable_with {common}"
                elif given is not None:
                    ok, problem = False, f"name_confusable: {given[0]} or {given[1]}"
            else:
                ok = 1 <= len(name.split()) <= 20
                problem = None if ok else "implausible_name"
                odd = [t for t in name.split() if has_vowel(t) and not is_syllable(t) and len(t) > 3]
                if ok and odd:  # "HOALƯ": two syllables run together, or a foreign word: a person decides
                    ok, problem = False, "unusual_word_in_name"
            rule_conf = (0.85 if repaired else 0.92) * rule if ok else 0.4
            raw = raw_name if person_names else name
            out["full_name"] = r.value("full_name", title_case(name), raw, rule_conf, problem)
            break

    dob = None
    if "date_of_birth" in wanted:
        for value, rule in r.candidates("date_of_birth"):
            found = find_date(value)
            if found:
                dob, raw = found
                problem = None
                conf = 0.95 * rule
                if not date(1900, 1, 1) <= dob <= today:
                    conf, problem = INVALID, "date_of_birth_out_of_range"
                out["date_of_birth"] = r.value("date_of_birth", dob.isoformat(), raw, conf, problem)
                break

    sex = _sex(r) if "date_of_birth" in wanted else None

    if "id_number" in wanted:
        found = None
        for value, rule in r.candidates("id_number"):
            got = _id_from(value)
            if got:
                found = (*got, 0.97 * rule)
                break
        if found is None:
            for line in r.lines:
                got = _id_from(line) if len(line) < 200 else None
                if got:
                    found = (*got, 0.5)  # a 12-digit number without its label: whose is it?
                    break
        if found:
            number, raw, fixed, conf = found
            problem = "letters_read_as_digits" if fixed else None
            if fixed:
                conf = min(conf, 0.7)
            try:
                pid = parse_personal_id(number)
                if dob and not pid.matches_birth_date(dob):
                    conf, problem = INVALID, "id_birth_year_mismatch"
                    dv = out["date_of_birth"]
                    out["date_of_birth"] = FieldValue(dv.value, min(dv.confidence, 0.5), "id_birth_year_mismatch")
                elif sex and pid.sex != sex:
                    conf, problem = INVALID, "id_sex_mismatch"
            except InvalidCode as e:
                conf, problem = INVALID, f"invalid_id: {e}"
            out["id_number"] = r.value("id_number", number, raw, conf, problem)

    if "enterprise_code" in wanted:
        for value, rule in r.candidates("enterprise_code"):
            m = _ENTERPRISE.search(value)
            if m:
                code = m.group(1)
                ok = is_enterprise_code(code)
                out["enterprise_code"] = r.value(
                    "enterprise_code", code, code, 0.97 * rule if ok else INVALID, None if ok else "check_digit_wrong"
                )
                break

    issued = None
    if "issue_date" in wanted:
        for value, rule in r.candidates("issue_date"):
            found = find_date(value)
            if found:
                issued, raw = found
                out["issue_date"] = r.value("issue_date", issued.isoformat(), raw, 0.93 * rule)
                break
        if issued is None:
            for line, fl in zip(reversed(r.lines), reversed(r.folded), strict=True):
                m = _PLACE_DATE.search(fl)
                if m:
                    try:
                        d, mth, y = (int(g) for g in m.groups())
                        issued = date(y, mth, d)
                    except ValueError:
                        continue
                    out["issue_date"] = r.value("issue_date", issued.isoformat(), line[m.start() + 1 : m.end()], 0.88)
                    break
        if issued is not None:
            fv = out["issue_date"]
            if issued > today or issued.year < 1945 or (dob and issued < dob):
                out["issue_date"] = FieldValue(fv.value, INVALID, "issue_date_implausible")

    if "valid_until" in wanted:
        for value, rule in r.candidates("valid_until"):
            found = find_date(value)
            if found:
                until, raw = found
                conf, problem = 0.93 * rule, None
                if issued and until < issued:
                    conf, problem = INVALID, "valid_until_before_issue"
                out["valid_until"] = r.value("valid_until", until.isoformat(), raw, conf, problem)
                break
        if "valid_until" not in out and doc_type is not None and "issue_date" in out:
            computed = doc_type.validity.valid_until(date.fromisoformat(out["issue_date"].value), None)
            if computed:
                fv = out["issue_date"]
                out["valid_until"] = FieldValue(computed.isoformat(), round(fv.confidence * 0.97, 3), fv.problem)

    if "issuer" in wanted:
        issuer = _issuer(r.lines, r.folded)
        if issuer:
            out["issuer"] = r.value("issuer", issuer, issuer, 0.75)
    return out


_NO_EXPIRY = re.compile(r"\b(?:khong (?:co )?thoi han|vo thoi han|khong han)\b")


def printed_no_expiry(text: str, doc_type: DocumentType | None) -> bool:
    """The paper says, where its expiry date would be, that it has none ("Không thời hạn")."""
    r = _Reader(text, doc_type, None)
    return any(_NO_EXPIRY.search(unaccent(value).lower()) for value, _ in r.candidates("valid_until"))


def _sex(r: _Reader) -> str | None:
    """M/F from the first ``Giới tính: Nam|Nữ`` of the paper (used to cross-check the ID's sex digit)."""
    for value in _after_labels(r.lines, r.folded, SEX_LABELS):
        v = unaccent(value).lower().split()
        if v and v[0] in ("nam", "male"):
            return "M"
        if v and v[0] in ("nu", "female"):
            return "F"
        return None
    return None


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
