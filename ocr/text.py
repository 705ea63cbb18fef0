"""Vietnamese text helpers: NFC normalization and a length-preserving unaccented form."""

import re
import unicodedata

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


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?%)\]])")
_MULTI_SPACE = re.compile(r"[ \t]{2,}")


def tidy(text: str) -> str:
    """NFC, no space before closing punctuation, single spaces, no trailing blanks."""
    text = nfc(text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _MULTI_SPACE.sub(" ", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()
