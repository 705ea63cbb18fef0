"""Vietnamese text helpers: NFC normalization, a length-preserving unaccented form, and the OCR word record.

`Word` lives here, not in ``ocr.model``, because ``catalog`` reads words with their boxes and may import only
this module of ``ocr`` (the dependency rule in the README's Development section).
"""

import re
import unicodedata
from dataclasses import dataclass

_SPECIAL = {"đ": "d", "Đ": "D"}


def nfc(text: str) -> str:
    """Compose to NFC, the form every stage after OCR sees."""
    return unicodedata.normalize("NFC", text)


def _base_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base[:1] if len(base) >= 1 else ch


def unaccent(text: str) -> str:
    """Strip Vietnamese diacritics, one output character per input character.

    Keeping the length lets a match found in the unaccented form be cut out of the original text.
    The input should be NFC; a stray combining mark becomes a space.
    """
    out = []
    for ch in text:
        if unicodedata.combining(ch):
            out.append(" ")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append(_base_char(ch))
    return "".join(out)


def fold(text: str) -> str:
    """Unaccented lower-case form used for matching and search."""
    return unaccent(nfc(text)).lower()


_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.;:!?%)\]])")  # never across a line break
_NUMBER_ALONE = re.compile(r"(?m)^([0-9]{1,2}|[a-zđ])\n+(?=[.)] )")
"""A list number on a line of its own, its full stop starting the next line ("9" / ". Thông tin …"): one line."""
_MULTI_SPACE = re.compile(r"[ \t]{2,}")


def tidy(text: str) -> str:
    """NFC, no space before closing punctuation, single spaces, no trailing blanks."""
    text = nfc(text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _NUMBER_ALONE.sub(r"\1", text))
    text = _MULTI_SPACE.sub(" ", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


# --- plausibility and safe fixes ---------------------------------------------------------------------------

_ONSET = r"(?:ngh|ng|gh|gi|kh|ph|th|tr|ch|nh|qu|[bcdghklmnprstvx])?"
_SYLLABLE = re.compile(rf"^{_ONSET}[aeiouy]{{1,3}}(?:ch|nh|ng|[cmnpt])?$|^gi$")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VALID_MARKS = _TONES | {"\u0302", "\u0306", "\u031b"}
_STRIP = ".,;:!?()[]\"'“”‘’«»-–—…/"
_NUMERIC = re.compile(r"^[\d.,:/\-–%]+$")
_ABBREVIATION = re.compile(r"^[A-ZĐ]{1,6}$")
_ORDINARY = set(".,;:!?()[]\"'“”‘’-–—/%&+*=#@…«»§°№ ") | {"\n", "\t"}


def is_syllable(token: str) -> bool:
    """True for a well-formed Vietnamese syllable (any case, NFC or not): onset, vowels, coda, one tone."""
    decomposed = unicodedata.normalize("NFD", token)
    marks = [c for c in decomposed if unicodedata.combining(c)]
    if any(m not in _VALID_MARKS for m in marks) or sum(m in _TONES for m in marks) > 1:
        return False
    return bool(_SYLLABLE.match(fold(token)))


def plausibility(text: str) -> float:
    """How much of ``text`` reads as Vietnamese, 0-1: the share (by length) of tokens that are valid
    syllables, numbers, codes or abbreviations, less the share of characters that are stray symbols."""
    tokens = text.split()
    total = good = 0
    for raw in tokens:
        tok = raw.strip(_STRIP)
        if not tok:
            continue
        total += len(tok)
        if (
            _NUMERIC.match(tok)
            or _ABBREVIATION.match(tok)
            or all(is_syllable(p) for p in re.split(r"[-/.]", tok) if p)
            or (any(c.isdigit() for c in tok) and sum(c.isalnum() for c in tok) == len(tok))  # codes: 12A, B2
        ):
            good += len(tok)
    if total < 20:  # too little text to judge
        return 1.0
    chars = [c for c in text if not c.isspace()]
    stray = sum(1 for c in chars if not (c.isalnum() or c in _ORDINARY)) / max(len(chars), 1)
    return round(max(0.0, good / total - 2 * stray), 4)


_CONFUSED = str.maketrans({"ð": "đ", "Ð": "Đ", "ƒ": "f", "\u00a0": " ", "\u2028": "\n"})
_SPACE_AFTER = re.compile(r"([,;:])(?=[^\W\d_])")  # "Số:123" keeps its digits together only before digits


def safe_fixes(text: str) -> str:
    """Fixes that cannot invent text: Unicode composition, letters Tesseract confuses with Vietnamese
    ones that look the same (eth for đ), stray combining marks, spacing around punctuation."""
    text = unicodedata.normalize("NFC", text.translate(_CONFUSED))
    # a combining mark left over after composition (no base it can join) carries no letter: drop it
    text = "".join(
        c for i, c in enumerate(text) if not (unicodedata.combining(c) and (i == 0 or text[i - 1].isspace()))
    )
    text = _SPACE_AFTER.sub(r"\1 ", text)
    return tidy(text)


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word; box in pixels of the upright page; confidence 0-100."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int = 0
    line: int = 0


def _vietnamese_letter(ch: str) -> bool:
    if ch in "đĐ":
        return True
    parts = unicodedata.normalize("NFD", ch)
    base, marks = parts[0], parts[1:]
    if not ("a" <= base.lower() <= "z") or any(m not in _VALID_MARKS for m in marks):
        return False
    return sum(m in _TONES for m in marks) <= 1


def legacy_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that no Vietnamese text written in Unicode contains: the
    mark of text typed in a legacy font (TCVN3 ``.VnTime``, VNI) read back as Windows-1252 ("Céng hßa x· héi",
    "Coäng hoøa"), or of a font whose glyphs map to private-use code points. 0 for Unicode Vietnamese."""
    odd = total = 0
    for ch in text:
        if ord(ch) < 128 or ch.isspace() or ch in _ORDINARY:
            continue
        total += 1
        if not _vietnamese_letter(ch):
            odd += 1
    return round(odd / total, 4) if total else 0.0
