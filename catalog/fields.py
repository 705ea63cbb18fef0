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

from catalog.codes import find_printed_dossier_code, is_enterprise_code, parse_personal_id, validate_dossier_code
from catalog.dates import find_date
from catalog.errors import InvalidCode
from catalog.labels import default_vocabulary
from catalog.names import (
    confusable_given_name,
    confusable_surname,
    has_vowel,
    is_syllable,
    is_vietnamese_name,
    merge_doubled_vowel,
    norm_token,
    repair_surname,
    split_run_together_guessing,
    strip_token,
    title_case,
)
from catalog.pairing import Found, pair, pick
from catalog.types import FIELD_KEYS, DocumentType
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


_PLACE_DATE = re.compile(r"[,.]\s*ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DATE_AFTER_PLACE = re.compile(r"\s*ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_PLACE_LINE = re.compile(r"^[a-z ]{2,40},$")


def _placed_before(folded: Sequence[str], n: int) -> bool:
    """The last line with text before line ``n`` is a place and its comma alone ("Ninh Bình,")."""
    for k in range(n - 1, max(-1, n - 4), -1):
        if folded[k].strip():
            return bool(_PLACE_LINE.match(folded[k].strip()))
    return False


_TWELVE = re.compile(r"(?<![\dA-Za-z])([\dOoIlSBb][\dOoIlSBb ]{10,14}[\dOoIlSBb])(?![\dA-Za-z])")
_ENTERPRISE = re.compile(r"(?<![\d])(\d{10}(?:-\d{3})?)(?![\d])")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "B": "8", "b": "6"})
_GUESSED_DIGITS = frozenset("SBb")
_HONORIFIC = re.compile(
    r"^(?:"
    + "|".join(
        r"[\s/()]*".join(re.escape(t) for t in re.findall(r"[a-z]+", unaccent(w).lower()))
        for w in sorted(default_vocabulary().honorific_words, key=len, reverse=True)
    )
    + r")\b[\s:.,]*"
)
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
        """Lowest word confidence (0-100) over the words of ``raw``; None when unknown.

        A value put together from words Tesseract read apart (a number split at a card's edge, a name wrapped
        onto the next line) is judged word by word, each by its least sure reading."""
        hits = self._hits(raw)
        if hits:
            return min(hits)[0]
        if self.tokens is None:
            return None
        want = [norm_token(x) for x in raw.split() if norm_token(x)]
        confs = [[c for t, c in self.tokens if t == w] for w in want]
        if len(want) > 1 and all(confs):
            return min(min(c) for c in confs)
        return None

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


def _cut_name(value: str) -> str:
    """The name alone, without an honorific before it or a label or a comma after it on the same line."""
    value = re.split(r"\s{2,}|\t|,|;", value.strip())[0]
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


def _cut_org(value: str) -> str:
    """An organisation's name as printed: without quotes or a label after it."""
    value = re.split(r"\s{2,}|\t|;", value.strip())[0]
    return value.strip(" .,;:-_`'\"“”|~*()")


ORG_ACRONYMS = frozenset(
    """TNHH MTV CP HTX DNTN XNK TM DV XD SX TMDV TM-DV XNK-TM VT QT PT KD NN CN GTVT BĐS VLXD KCN HĐ LD ĐT
    JSC CO LTD""".split()  # noqa: SIM905  (readable as a list)
)
"""Abbreviations company names print in capitals (trách nhiệm hữu hạn, một thành viên, cổ phần, hợp tác xã …)."""
_DANGLING = ("cong ty", "tnhh", "mtv", "va", "&", "-", "co phan", "hop tac xa", "chi nhanh", "doanh nghiep tu nhan")
_CUT_SYLLABLES = frozenset({"văn", "thị"})
"""Middle names a person's name does not end with: a name read up to one of them lost its given name."""


def _org_problem(name: str) -> str | None:
    tokens = name.split()
    if not 1 <= len(tokens) <= 30:
        return "implausible_name"
    odd = [
        t
        for t in tokens
        if has_vowel(t)
        and not is_syllable(t)
        and len(t) > 3
        and t.upper().strip(".,") not in ORG_ACRONYMS
        and not any(c.isdigit() for c in t)
    ]
    if odd:  # "HOALƯ": two syllables run together, or a foreign word: a person decides
        return "unusual_word_in_name"
    folded = unaccent(name).lower().rstrip(" .,")
    if any(folded == d or folded.endswith(" " + d) for d in _DANGLING):
        return "name_may_be_cut"
    return None


def repair_legal_form(name: str) -> tuple[str, bool]:
    """``CÔNG TY CỐ PHẦN …`` → (``CÔNG TY CỔ PHẦN …``, True): the legal form at the start of a business name read
    with a wrong diacritic, given back its spelling; each word keeps the case it was read in."""
    tokens = name.split()
    for form in sorted(default_vocabulary().legal_forms, key=lambda f: -len(f.split())):
        canon = nfc(form).split()
        head = tokens[: len(canon)]
        if len(head) < len(canon) or any(
            unaccent(t).lower() != unaccent(c).lower() for t, c in zip(head, canon, strict=True)
        ):
            continue
        fixed = [t if t.lower() == c.lower() else _cased_like(c, t) for t, c in zip(head, canon, strict=True)]
        return " ".join(fixed + tokens[len(canon) :]), fixed != head
    return name, False


def _cased_like(word: str, model: str) -> str:
    """``word`` in the case of ``model`` (capitals, capitalised or lower case)."""
    if model.isupper():
        return word.upper()
    return word[:1].upper() + word[1:].lower() if model[:1].isupper() else word.lower()


def _printed_in_capitals(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


class _Reader:
    """The labelled values of one page for one type, with word confidences."""

    def __init__(self, text: str, doc_type: DocumentType | None, words: Sequence[Word] | None) -> None:
        # Blank lines carry no value: OCR separates layout blocks with them
        self.lines = [nfc(line) for line in text.splitlines() if line.strip()]
        self.folded = [unaccent(line).lower() for line in self.lines]
        self.doc_type = doc_type
        self.words = WordConfidence(words)
        self.found = pair(text, words, doc_type)

    def get(self, key: str, role: str | None) -> Found | None:
        return pick(self.found.get(key, ()), role)

    def all(self, key: str, role: str | None) -> list[Found]:
        """Every value of ``key`` for ``role``, the most specific label first (non-empty ones first)."""
        mine = [f for f in self.found.get(key, ()) if role is None or f.role == role]
        return sorted(mine, key=lambda f: (not f.value, f.priority, f.order))

    def value(self, key: str, value: str, raw: str, rule: float, problem: str | None = None) -> FieldValue:
        base = key.rsplit(".", 1)[-1]
        f, why = self.words.factor(raw, *WORD_CONF_BY_FIELD.get(base, (WORD_CONF_ZERO, WORD_CONF_FULL)))
        return FieldValue(value, round(rule * f, 3), problem or why, source=raw)


EMPTY = "empty"
"""Problem of a value printed empty: its label stands with nothing after it."""


def _empty() -> FieldValue:
    return FieldValue("", 1.0, EMPTY)


def extract_fields(
    text: str, doc_type: DocumentType | None, words: Sequence[Word] | None = None, today: date | None = None
) -> dict[str, FieldValue]:
    """Every field the type carries (or all known fields when the type is unknown), for each owner role: the
    primary owner's under the plain keys, the others' as ``<role>.<field>`` (``wife.full_name``).

    ``words`` are the OCR words with their boxes and confidences (all pages); without them only the rules and
    validators decide the confidence (e.g. for text typed by a clerk) and the layout is read from the text. A
    label printed with nothing after it gives a value ``""`` with the problem ``empty``.
    """
    r = _Reader(text, doc_type, words)
    today = today or date.today()
    wanted = set(doc_type.fields) if doc_type else set(FIELD_KEYS)
    out: dict[str, FieldValue] = {}
    roles = doc_type.owners if doc_type else (None,)
    person_names = doc_type is None or doc_type.owner_field == "id_number"
    for role in roles:
        prefix = "" if doc_type is None or role == doc_type.primary_role else f"{role}."
        _read_party(r, role, prefix, wanted, person_names, today, out)
    dob = out.get("date_of_birth")
    dob_date = date.fromisoformat(dob.value) if dob and dob.value and dob.problem != EMPTY else None
    if "enterprise_code" in wanted:
        for f in r.all("enterprise_code", None):
            if not f.value:
                out.setdefault("enterprise_code", _empty())
                continue
            m = _ENTERPRISE.search(f.value)
            if m:
                code = m.group(1)
                ok = is_enterprise_code(code)
                out["enterprise_code"] = r.value(
                    "enterprise_code", code, code, 0.97 if ok else INVALID, None if ok else "check_digit_wrong"
                )
                break

    if "dossier_code" in wanted:
        for f in r.all("dossier_code", None):
            found = find_printed_dossier_code(f.value or "")
            if found is None:
                continue
            code, raw = found
            try:
                out["dossier_code"] = r.value("dossier_code", validate_dossier_code(code), raw, 0.95)
            except InvalidCode:
                out["dossier_code"] = FieldValue(code, INVALID, "dossier_code_invalid", source=raw)
            break

    issued = None
    if "issue_date" in wanted:
        for f in r.all("issue_date", None):
            found = find_date(f.value) if f.value else None
            if found:
                issued, raw = found
                out["issue_date"] = r.value("issue_date", issued.isoformat(), raw, 0.93)
                break
        if issued is None:
            for n in range(len(r.lines) - 1, -1, -1):
                line, fl = r.lines[n], r.folded[n]
                m = _PLACE_DATE.search(fl)
                if m is None and _placed_before(r.folded, n):
                    # the place and the date on two lines ("Ninh Bình," / "ngày 20 tháng 07 năm 1998"), as OCR
                    # splits the line where its words stand far apart
                    m = _DATE_AFTER_PLACE.match(fl)
                if m:
                    try:
                        d, mth, y = (int(g) for g in m.groups())
                        issued = date(y, mth, d)
                    except ValueError:
                        continue
                    conf, problem = 0.88, None
                    if doc_type is not None and doc_type.labels.get("issue_date"):
                        # the type prints its issue date by a label (a registration date) that was not read:
                        # the place-and-date line may be another day (an extract issued years later)
                        conf, problem = 0.5, "issue_date_from_place_date"
                    out["issue_date"] = r.value(
                        "issue_date",
                        issued.isoformat(),
                        line[m.start() + (m.re is _PLACE_DATE) : m.end()].strip(),
                        conf,
                        problem,
                    )
                    break
        if issued is not None:
            fv = out["issue_date"]
            if issued > today or issued.year < 1945 or (dob_date and issued < dob_date):
                out["issue_date"] = FieldValue(fv.value, INVALID, "issue_date_implausible")

    if "valid_until" in wanted:
        for f in r.all("valid_until", None):
            found = find_date(f.value) if f.value else None
            if found:
                until, raw = found
                conf, problem = 0.93, None
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


def _read_party(
    r: _Reader,
    role: str | None,
    prefix: str,
    wanted: set[str],
    person_names: bool,
    today: date,
    out: dict[str, FieldValue],
) -> None:
    """The fields of one person (or business) the paper names: name, date of birth, ID number, place."""
    key = prefix.__add__
    if "full_name" in wanted:
        for f in r.all("full_name", role):
            if not f.value:
                out.setdefault(key("full_name"), _empty())
                continue
            fv = _person_name(r, key("full_name"), f) if person_names else _org_name(r, key("full_name"), f)
            if fv is not None:
                out[key("full_name")] = fv
                break

    dob = None
    if "date_of_birth" in wanted:
        for f in r.all("date_of_birth", role):
            found = find_date(f.value) if f.value else None
            if not f.value:
                out.setdefault(key("date_of_birth"), _empty())
            if found:
                dob, raw = found
                problem = None
                conf = 0.95
                if not date(1900, 1, 1) <= dob <= today:
                    conf, problem = INVALID, "date_of_birth_out_of_range"
                out[key("date_of_birth")] = r.value(key("date_of_birth"), dob.isoformat(), raw, conf, problem)
                break

    sex = _sex(r, role) if "date_of_birth" in wanted else None

    if "id_number" in wanted:
        found = None
        printed_empty = False
        for f in r.all("id_number", role):
            if not f.value:
                printed_empty = True
                continue
            got = _id_from(f.value)
            if got:
                found = (*got, 0.97)
                break
        if found is None and not prefix and not printed_empty and role is not None and r.doc_type is not None:
            if len(r.doc_type.owners) == 1:
                for line in r.lines:
                    got = _id_from(line) if len(line) < 200 else None
                    if got:
                        found = (*got, 0.5)  # a 12-digit number without its label: whose is it?
                        break
        elif found is None and role is None:
            for line in r.lines:
                got = _id_from(line) if len(line) < 200 else None
                if got:
                    found = (*got, 0.5)
                    break
        if found:
            number, raw, fixed, conf = found
            problem = "letters_read_as_digits" if fixed else None
            if fixed:
                # O and I/l are a 0 and a 1 printed in a font that hides the difference; a B, b or S is a
                # digit Tesseract could not make out (an 8 or a 3 with its right half under a card's edge,
                # a 6 or a 5): a person looks
                conf = min(conf, 0.5 if set(raw) & _GUESSED_DIGITS else 0.7)
            try:
                pid = parse_personal_id(number)
                if dob and not pid.matches_birth_date(dob):
                    conf, problem = INVALID, "id_birth_year_mismatch"
                    dv = out[key("date_of_birth")]
                    out[key("date_of_birth")] = FieldValue(dv.value, min(dv.confidence, 0.5), "id_birth_year_mismatch")
                elif sex and pid.sex != sex:
                    conf, problem = INVALID, "id_sex_mismatch"
            except InvalidCode as e:
                conf, problem = INVALID, f"invalid_id: {e}"
            out[key("id_number")] = r.value(key("id_number"), number, raw, conf, problem)
        elif printed_empty:
            out[key("id_number")] = _empty()

    if "place" in wanted:
        for f in r.all("place", role):
            if f.value:
                place = " ".join(f.value.split()).strip(" .,;:")
                out[key("place")] = r.value(key("place"), place, place, 0.8)
                break


def _person_name(r: _Reader, key: str, f: Found) -> FieldValue | None:
    """A person's name: in Vietnamese title case when printed in capitals, else as printed."""
    name = _cut_name(f.value)
    if not name or not name[:1].isupper():
        return None  # not a name ("… chủ sở hữu nhà ở …" after a heading's comma)
    capitals = _printed_in_capitals(name)
    raw_name = name
    name, merged = merge_doubled_vowel(name)
    name, repaired = repair_surname(name)
    repaired = repaired or merged
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
    elif ok and f.cut:
        ok, problem = False, f.cut
    elif ok and nfc(name.split()[-1]).lower() in _CUT_SYLLABLES:
        ok, problem = False, "name_may_be_cut"
    rule_conf = (0.85 if repaired else 0.92) * (0.95 if f.continued else 1.0) if ok else 0.4
    shown = title_case(name) if capitals else " ".join(nfc(name).split())
    return r.value(key, shown, raw_name, rule_conf, problem)


def _org_name(r: _Reader, key: str, f: Found) -> FieldValue | None:
    """An organisation's name exactly as printed (capitals and acronyms kept)."""
    raw = " ".join(nfc(_cut_org(f.value)).split())
    if not raw:
        return None
    name, repaired = repair_legal_form(raw)
    problem = _org_problem(name) or f.cut
    rule_conf = (0.85 if repaired else 0.92) * (0.95 if f.continued else 1.0) if problem is None else 0.4
    return r.value(key, name, raw, rule_conf, problem)


_NO_EXPIRY = re.compile(r"\b(?:khong (?:co )?thoi han|vo thoi han|khong han)\b")


def printed_no_expiry(text: str, doc_type: DocumentType | None, words: Sequence[Word] | None = None) -> bool:
    """The paper says, where its expiry date would be, that it has none ("Không thời hạn")."""
    found = pair(text, words, doc_type).get("valid_until", [])
    return any(_NO_EXPIRY.search(unaccent(f.value).lower()) for f in found if f.value)


def _sex(r: _Reader, role: str | None) -> str | None:
    """M/F from the role's ``Giới tính: Nam|Nữ`` (used to cross-check the ID's sex digit)."""
    f = r.get("_sex", role)
    if f is None or not f.value:
        return None
    v = unaccent(f.value).lower().split()
    if v and v[0] in ("nam", "male"):
        return "M"
    if v and v[0] in ("nu", "female"):
        return "F"
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
