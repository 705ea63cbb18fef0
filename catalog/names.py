"""Vietnamese personal names as the field reader sees them: syllables, family and given names, the repairs OCR
needs (a lost diacritic on a family name, two syllables run together), title case, and how OCR words compare.

The name lists are data (``catalog/data/surnames.toml``, ``names.toml``).
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from collections.abc import Sequence

from catalog.types import DATA_DIR
from ocr.text import nfc, unaccent

_RHYMES = frozenset(
    """a ai ao au ay ac ach am an ang anh ap at ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
    e eo ec em en eng ep et ê êch êm ên ênh êp êt êu i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    o oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oc oe oen oeo oet oi om on ong
    oong ooc op ot ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt u ua uân uâng uât uây uc uê uêch uênh ui um un
    ung uôc uôi uôm uôn uông uôt up ut uy uya uych uyên uyêt uynh uyt uyu uơ ư ưa ưc ưi ưm ưn ưng ưt ưu ươc
    ươi ươm ươn ương ươp ươt ươu y yêm yên yêng yêt yêu ynh""".split()  # noqa: SIM905  (readable as a table)
)

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def title_case(name: str) -> str:
    """Vietnamese title case in NFC: ``NGUYỄN THỊ MỸ`` → ``Nguyễn Thị Mỹ``."""
    return " ".join(part[:1].upper() + part[1:].lower() for part in nfc(name).split())


@functools.cache
def _surnames() -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """Known family names (lower case), the unaccented forms that point at exactly one of them, and the
    unaccented forms of the common ones (see ``surnames.toml``)."""
    data = tomllib.loads((DATA_DIR / "surnames.toml").read_text(encoding="utf-8"))
    names = [nfc(n) for n in data["surnames"]]
    unique = {k: v[0] for k, v in _by_fold(names).items() if len(v) == 1}
    common = {unaccent(nfc(n)).lower(): nfc(n) for n in data.get("common", [])}
    return frozenset(n.lower() for n in names), unique, common


@functools.cache
def _name_syllables() -> tuple[frozenset[str], dict[str, list[str]]]:
    data = tomllib.loads((DATA_DIR / "names.toml").read_text(encoding="utf-8"))
    names = sorted({nfc(n) for n in data["syllables"]})
    return frozenset(n.lower() for n in names), _by_fold(names)


def _by_fold(names: Sequence[str]) -> dict[str, list[str]]:
    """Names grouped by their unaccented lower-case form ("do" → Đỗ, Đồ)."""
    by_fold: dict[str, list[str]] = {}
    for n in names:
        by_fold.setdefault(unaccent(n).lower(), []).append(n)
    return by_fold


def is_name_syllable(token: str, position: int) -> bool:
    """A known family name (``position`` 0, ``surnames.toml``) or middle/given name syllable (``names.toml``)."""
    t = norm_token(token)
    return t in (_surnames()[0] if position == 0 else _name_syllables()[0])


def confusable_given_name(name: str) -> tuple[str, str] | None:
    """(syllable read, name syllable it may be a misreading of) for the first middle or given name that is
    not a name syllable while one differing only by its diacritics is: ``Trần Bích Hãng`` → (Hãng, Hằng)."""
    known, by_fold = _name_syllables()
    for tok in nfc(name).split()[1:]:
        if tok.lower() in known:
            continue
        near = by_fold.get(unaccent(tok).lower())
        if near:
            return title_case(tok), "/".join(near)
    return None


def confusable_surname(name: str) -> str | None:
    """The common family name a rare one may be a misreading of: ``Đồ Quang Đạt`` → ``Đỗ``; else None."""
    tokens = name.split()
    if not tokens:
        return None
    first = nfc(tokens[0])
    common = _surnames()[2].get(unaccent(first).lower())
    if common is None or common.lower() == first.lower():
        return None
    return common


def repair_surname(name: str) -> tuple[str, bool]:
    """``Nguyên Văn An`` → (``Nguyễn Văn An``, True): the family name OCR read with a wrong diacritic."""
    tokens = name.split()
    if not tokens:
        return name, False
    known, unique, _ = _surnames()
    first = tokens[0]
    if first.lower() in known:
        return name, False
    canonical = unique.get(unaccent(first).lower())
    if canonical is None:
        return name, False
    fixed = canonical.upper() if first.isupper() else canonical
    return " ".join([fixed, *tokens[1:]]), True


def merge_doubled_vowel(name: str) -> tuple[str, bool]:
    """``PHAẠM`` → (``PHẠM``, True): Tesseract read a vowel's tone mark as a vowel of its own, the bare letter
    first and the marked one after it. Only a word that is no syllable and becomes one; Vietnamese writes no bare
    vowel before the same vowel with a mark ("xoong" keeps both: neither is marked)."""
    out, changed = [], False
    for tok in name.split():
        fixed = tok
        if not is_syllable(tok):
            for i in range(len(tok) - 1):
                a, b = tok[i], tok[i + 1]
                if (
                    a.lower() in "aeiouy"
                    and unaccent(b).lower() == a.lower()
                    and b.lower() != a.lower()
                    and is_syllable(cand := tok[:i] + tok[i + 1 :])
                ):
                    fixed = cand
                    break
        out.append(fixed)
        changed = changed or fixed != tok
    return " ".join(out), changed


def split_run_together(name: str) -> tuple[str, bool]:
    """``Xuânan`` → ``Xuân An`` when OCR lost the space between two syllables and only one split reads."""
    out, changed, _ = _split_syllables(name, guess=False)
    return out, changed


def split_run_together_guessing(name: str) -> tuple[str, bool, bool]:
    """Like :func:`split_run_together`, and where several splits read, the one into two known name
    syllables ("Thịuyên" → "Thị Uyên", not "Thịu Yên"): (name, changed, guessed)."""
    return _split_syllables(name, guess=True)


def _split_syllables(name: str, guess: bool) -> tuple[str, bool, bool]:
    out, changed, guessed = [], False, False
    for tok in name.split():
        if is_syllable(tok):
            out.append(tok)
            continue
        splits = [(tok[:i], tok[i:]) for i in range(1, len(tok)) if is_syllable(tok[:i]) and is_syllable(tok[i:])]
        if len(splits) > 1 and guess:
            known = _name_syllables()[0]
            splits = [(a, b) for a, b in splits if a.lower() in known and b.lower() in known]
            guessed = len(splits) == 1
        if len(splits) != 1:
            out.append(tok)
            continue
        a, b = splits[0]
        out += [a, b[:1].upper() + b[1:] if a[:1].isupper() and not a.isupper() else b]
        changed = True
    return " ".join(out), changed, guessed


def is_vietnamese_name(name: str) -> bool:
    """2-7 words, each a possible Vietnamese syllable carrying at most one tone mark."""
    tokens = nfc(name).split()
    if not 2 <= len(tokens) <= 7:
        return False
    return all(is_syllable(tok) for tok in tokens)


def has_vowel(token: str) -> bool:
    return any(c in "aeiouy" for c in unaccent(token).lower())


def is_syllable(token: str) -> bool:
    """A written Vietnamese syllable: onset + a known rhyme, at most one tone mark.

    The rhyme keeps its vowel marks (ă â ê ô ơ ư), so "Thuanh" (two syllables run together) or "Tuan" for
    "Tuân" (a circumflex lost by OCR) are refused while "Quanh", "Huỳnh", "Nguyễn" pass.
    """
    nfd = unicodedata.normalize("NFD", token.lower())
    if sum(1 for c in nfd if c in _TONES) > 1:
        return False
    plain = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
    return any(plain[len(onset) :] in _RHYMES for onset in _onsets_of(plain))


def _onsets_of(plain: str) -> list[str]:
    """Every onset the syllable may start with ("gi" + "ang" or "g" + "iang"; "qu" + "a" or "q"…)."""
    out = [""]
    for onset in ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu"):
        if plain.startswith(onset):
            out.append(onset)
    if plain[:1] and plain[:1] in "bcdđghklmnprstvx":
        out.append(plain[:1])
    return out


def strip_token(s: str) -> str:
    return nfc(s).strip(".,;:()[]\"'“”‘’*-–—_|/\\!¡`~")


def norm_token(s: str) -> str:
    """An OCR word as compared: NFC, lower case, without surrounding punctuation."""
    return strip_token(s).lower()


def same_token(a: str, b: str) -> bool:
    """Two OCR words spell the same thing (case, NFC and surrounding punctuation aside)."""
    x = norm_token(a)
    return bool(x) and x == norm_token(b)
