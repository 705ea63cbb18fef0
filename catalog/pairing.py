"""Find a paper's printed labels and pair each with its value, from the page's layout.

A page is read as **rows of cells**. With OCR words (boxes in page pixels) a row is the words at one height
once the page's slant is taken out, and a cell is a run of words without a wide gap (a table column, the other
half of a two-column form); without boxes (text typed by a clerk, or words without geometry) a row is a line
of the text and cells are separated by runs of spaces, tabs or a table's ``|``.

A label's value is, in this order:

* the rest of its cell after the label, up to the next label in the same cell — labels that share a line
  ("Giới tính: Nam    Dân tộc: Kinh") are split there;
* else the cell(s) to its right on the same row (a table: label column, value column, or one value column per
  person);
* else the cell below it (a label on the line above its value, a table whose header row holds the labels);
* a label followed directly by another label, or with nothing to its right or below, has an **empty** value:
  it is reported as empty, never filled from the next label.

**Whose value it is** (the roles of ``catalog/data/labels.toml``): a role suffix printed after the label
("Họ, chữ đệm, tên người vợ"), or the label's own last words ("Họ và tên mẹ"); else the column or section
heading above ("Thông tin người chồng", a column headed "Vợ"); else, for a person's other fields, the role of the
last name read before it (a block "Họ và tên người mẹ", "Năm sinh", "Nơi cư trú" is the mother's); else the
type's first role. Where the type lists its owners in order without saying who is who (land holders: "Ông: …",
"Bà: …"), successive names take successive owner roles.

A value that runs on to the next line (a long company name wrapped at the margin or inside its table cell) is
joined with the rest; a value that reaches the right edge with nothing after it, or whose cell is followed by an
unlabelled fragment on the same row (a word lost under a seal or cut at a column edge), is marked so the
document goes to review.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from catalog.labels import Vocabulary, default_vocabulary
from catalog.names import is_name_syllable
from catalog.types import PERSON_FIELDS, DocumentType
from ocr.text import Word, fold, nfc, safe_fixes

_CELL_SPLIT = re.compile(r"\s{2,}|\t|\s*[|¦]\s*")
_LEADERS = re.compile(r"(?:\s*[.…·_]){3,}\s*")
_EDGE_JUNK = " \t.…·_:;|¦,-–—[]"
_NUMBERING = re.compile(r"^\s*(?:[0-9]{1,2}[.)]?\s|[0-9]{1,2}[.)]|[ivx]{1,4}[.)]|[a-zđ][.)])\s*")
SEX_LABELS = ("Giới tính / Sex", "Giới tính")
"""Read as the pseudo-field ``_sex`` (to cross-check an ID number's sex digit)."""
_JUNK_START = re.compile(r"^\s*\S{1,2}\s+")
"""A number or mark of one or two characters before a label ("1." read as "ÁÌ")."""
_COLON_NEXT = re.compile(r"[ \t]*[:;]")
"""A colon (or the semicolon OCR reads for one) next: a role suffix read with another diacritic ("người chông:")
still ends its label there — the colon says it is no name ("Võ" is read as "vợ" only as printed)."""
_SUFFIX_WORDS = {
    n: re.compile(r"[^a-z0-9\n:;]{0,3}([a-z0-9]+(?:[ \t]{1,2}[a-z0-9]+){" + str(n - 1) + r"})(?![a-z0-9])")
    for n in range(2, 6)
}
"""The next ``n`` words after a label (a role suffix OCR may have misread)."""
CELL_GAP = 1.6
"""A gap wider than this many word heights between two words of a line starts a new cell."""
ROW_TOLERANCE = 0.55
"""Two cells whose centres differ by less than this many word heights (after the slant is removed) share a row."""


@dataclass(slots=True)
class Cell:
    text: str
    folded: str
    page: int
    row: int
    x0: float
    x1: float
    y: float
    h: float
    starts: tuple[float, ...] = ()
    """Where each word of the cell starts (OCR words; empty for text)."""

    def x_at(self, pos: int) -> float:
        """Where the word at character ``pos`` of the text starts on the page (estimated without word boxes)."""
        k = len(self.text[:pos].split())
        if self.starts and k < len(self.starts):
            return self.starts[k]
        return self.x0 + (self.x1 - self.x0) * pos / max(len(self.text), 1)


@dataclass(slots=True)
class Layout:
    rows: list[list[Cell]]
    geometric: bool
    right_edge: dict[int, float] = field(default_factory=dict)
    """Per page, where the body's lines end (for a value that reaches the margin)."""
    pitch: dict[int, float] = field(default_factory=dict)
    """Per page, the usual distance from one line to the next."""
    word_h: dict[int, float] = field(default_factory=dict)
    """Per page, the usual height of a word."""

    @property
    def cells(self) -> list[Cell]:
        return [c for row in self.rows for c in row]


def _clean_cell(text: str) -> str:
    text = _LEADERS.sub(" ", text)
    return text.strip(_EDGE_JUNK)


def layout_from_text(text: str) -> Layout:
    rows: list[list[Cell]] = []
    for line in text.splitlines():
        line = nfc(line)
        if not line.strip():
            continue
        cells = []
        pos = 0
        for part in _CELL_SPLIT.split(line):
            start = line.find(part, pos)
            pos = start + len(part)
            t = _clean_cell(part)
            if t:
                cells.append(Cell(t, fold(t), 0, len(rows), float(start), float(pos), float(len(rows)), 1.0))
        if cells:
            rows.append(cells)
    return Layout(rows, geometric=False)


def has_geometry(words: Sequence[Word] | None) -> bool:
    """Words with real boxes (not the placeholders of words built from text)."""
    if not words or len(words) < 3:
        return False
    lefts = {w.left for w in words}
    return len(lefts) > len(words) // 3 and any(w.width > 2 and w.height > 2 for w in words)


def _pages(words: Sequence[Word]) -> list[list[Word]]:
    """Words per page: a page's line numbers start again at 0."""
    pages: list[list[Word]] = [[]]
    prev = -1
    for w in words:
        if w.line < prev:
            pages.append([])
        pages[-1].append(w)
        prev = w.line
    return [p for p in pages if p]


def _slope(lines: list[list[Word]]) -> float:
    """The page's slant (dy/dx) from the lines' word centres; 0 when too little to tell."""
    slopes = []
    for ws in lines:
        if len(ws) < 3:
            continue
        xs = [w.left + w.width / 2 for w in ws]
        ys = [w.top + w.height / 2 for w in ws]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        var = sum((x - mx) ** 2 for x in xs)
        if var < (200.0**2) * len(xs) / 4:
            continue
        slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var)
    if len(slopes) < 2:
        return 0.0
    return max(-0.12, min(0.12, median(slopes)))


def _cells_of_line(ws: list[Word], slope: float, page_no: int) -> list[Cell]:
    """A line's words cut into cells at wide gaps and at a table's rules."""
    h = median(w.height for w in ws)
    out: list[Cell] = []
    run: list[Word] = []

    def close() -> None:
        if not run:
            return
        t = _clean_cell(safe_fixes(" ".join(w.text for w in run)))
        if not t:
            return
        x0, x1 = run[0].left, max(w.left + w.width for w in run)
        ys = [w.top + w.height / 2 - slope * (w.left + w.width / 2) for w in run]
        starts = tuple(float(w.left) for w in run for _ in w.text.split())
        out.append(Cell(t, fold(t), page_no, 0, float(x0), float(x1), sum(ys) / len(ys), h, starts))

    for w in ws:
        if _is_rule(w.text):
            close()
            run = []
            continue
        if run and w.left - (run[-1].left + run[-1].width) > CELL_GAP * h:
            close()
            run = []
        run.append(w)
    close()
    return out


def _lines_by_height(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into lines by their vertical centres (for words that carry no line number)."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.top + w.height / 2):
        cy = w.top + w.height / 2
        if lines:
            last = lines[-1]
            ly = sum(x.top + x.height / 2 for x in last) / len(last)
            if abs(cy - ly) <= 0.5 * max(w.height, median(x.height for x in last)):
                last.append(w)
                continue
        lines.append([w])
    return lines


def _is_rule(text: str) -> bool:
    """A table's vertical rule read as a character."""
    return bool(text) and all(c in "|¦[]{}!" for c in text)


def layout_from_words(words: Sequence[Word]) -> Layout:
    rows: list[list[Cell]] = []
    edges: dict[int, float] = {}
    pitches: dict[int, float] = {}
    heights: dict[int, float] = {}
    for page_no, page in enumerate(_pages(words)):
        lines: dict[int, list[Word]] = {}
        if len({w.line for w in page}) == 1 and len(page) > 1:
            lines = dict(enumerate(_lines_by_height(page)))  # words without Tesseract's line numbers
        else:
            for w in page:
                lines.setdefault(w.line, []).append(w)
        slope = _slope(list(lines.values()))
        cells: list[Cell] = []
        for ws in lines.values():
            cells += _cells_of_line(sorted(ws, key=lambda w: w.left), slope, page_no)
        cells.sort(key=lambda c: c.y)
        page_rows: list[list[Cell]] = []
        for c in cells:
            if page_rows:
                row = page_rows[-1]
                ry = sum(x.y for x in row) / len(row)
                if abs(c.y - ry) <= ROW_TOLERANCE * max(c.h, median(x.h for x in row)):
                    row.append(c)
                    continue
            page_rows.append([c])
        for row in page_rows:
            row.sort(key=lambda c: c.x0)
            row = _merge_close(row)
            for c in row:
                c.row = len(rows)
            rows.append(row)
        if cells:
            edges[page_no] = max(c.x1 for c in cells)
        ys = [sum(c.y for c in row) / len(row) for row in page_rows]
        steps = [b - a for a, b in itertools.pairwise(ys) if b - a > 0]
        if steps:
            pitches[page_no] = median(steps)
        if cells:
            heights[page_no] = median(c.h for c in cells)
    return Layout(rows, geometric=True, right_edge=edges, pitch=pitches, word_h=heights)


def _merge_close(row: list[Cell]) -> list[Cell]:
    """Cells of one row that Tesseract read as separate lines but that stand a word space apart are one cell."""
    out: list[Cell] = []
    for c in row:
        if out and c.x0 - out[-1].x1 <= CELL_GAP * max(c.h, out[-1].h) and c.x0 >= out[-1].x0:
            a = out[-1]
            t = _clean_cell(safe_fixes(f"{a.text} {c.text}"))
            starts = a.starts + c.starts
            out[-1] = Cell(t, fold(t), a.page, a.row, a.x0, max(a.x1, c.x1), (a.y + c.y) / 2, max(a.h, c.h), starts)
        else:
            out.append(c)
    return out


def build_layout(text: str, words: Sequence[Word] | None) -> Layout:
    if has_geometry(words):
        return layout_from_words(words)  # type: ignore[arg-type]
    return layout_from_text(text)


# --- labels --------------------------------------------------------------------------------------------------
def _tokens(label: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(label))


def _written(label: str) -> str:
    """A label's words as printed, lower case (diacritics kept): what a colon-less label is compared with."""
    return " ".join(re.findall(r"\w+", nfc(label).lower()))


def _pattern(tokens: Sequence[str]) -> str:
    return r"[^a-z0-9\n:;]{0,4}".join(re.escape(t) for t in tokens)


@dataclass(frozen=True, slots=True)
class LabelInfo:
    fields: dict[str, int]
    """Field → priority (0 = the type's most specific label for it)."""
    role: str | None
    """The role the label's own words name ("Họ và tên mẹ" → mother)."""
    bare: bool
    """May stand before its value without a colon (an honorific, a long label)."""


@dataclass(frozen=True, slots=True)
class Match:
    label: LabelInfo
    cell: Cell
    start: int
    end: int
    """End of the label (with its role suffix and English half) in the cell's text."""
    value_start: int
    role: str | None
    kind: str  # "colon" | "end" | "bare"


class LabelIndex:
    """Every label a type's page may print, compiled into one pattern (longest labels first)."""

    def __init__(self, doc_type: DocumentType | None, vocab: Vocabulary) -> None:
        self.doc_type = doc_type
        self.vocab = vocab
        infos: dict[str, dict] = {}

        written: dict[str, set[str]] = {}

        def add(label: str, fld: str | None, prio: int, bare: bool = False) -> None:
            key = " ".join(_tokens(label))
            if not key:
                return
            written.setdefault(key, set()).add(_written(label))
            info = infos.setdefault(key, {"fields": {}, "bare": False})
            if fld is not None and fld not in info["fields"]:
                info["fields"][fld] = prio
            info["bare"] = info["bare"] or bare

        wanted = doc_type.fields if doc_type else tuple(vocab.generic)
        for fld in wanted:
            own = doc_type.labels.get(fld, ()) if doc_type else ()
            for prio, label in enumerate(own or vocab.generic.get(fld, ())):
                add(label, fld, prio)
                if " / " in label:  # a bilingual label also stands for its Vietnamese half alone
                    add(label.split(" / ")[0], fld, prio)
        for label in SEX_LABELS:
            add(label, "_sex", 0)
        for labels in vocab.generic.values():
            for label in labels:
                add(label, None, 0)
        for label in vocab.delimiter_labels:
            add(label, None, 0)
        honorifics = {" ".join(_tokens(h)) for h in vocab.honorific_words}
        for key, info in infos.items():
            info["bare"] = info["bare"] or key in honorifics or len(key.split()) >= 3
        suffix_role: dict[str, str] = {}
        for role, r in vocab.roles.items():
            for s in r.suffixes:
                suffix_role.setdefault(" ".join(_tokens(s)), role)
        self.suffix_role = suffix_role
        self.written = written
        self.openings = {" ".join(k.split()[:3]) for k in infos if len(k.split()) >= 4}
        self.labels: dict[str, LabelInfo] = {}
        for key, info in infos.items():
            own_role = next(
                (role for suf, role in sorted(suffix_role.items(), key=lambda x: -len(x[0])) if _ends_with(key, suf)),
                None,
            )
            self.labels[key] = LabelInfo(info["fields"], own_role, info["bare"])
        keys = sorted(self.labels, key=lambda k: (-len(k), k))
        self._names = {f"l{i}": k for i, k in enumerate(keys)}
        alternatives = "|".join(f"(?P<l{i}>{_pattern(k.split())})" for i, k in enumerate(keys))
        suffixes = "|".join(_pattern(s.split()) for s in sorted(suffix_role, key=lambda s: -len(s)))
        self._suffix = re.compile(r"[^a-z0-9\n:;]{0,3}(" + suffixes + r")(?![a-z0-9])") if suffixes else None
        self.suffix_written = {
            " ".join(_tokens(s)): " ".join(nfc(s).lower().split()) for r in vocab.roles.values() for s in r.suffixes
        }
        self._label = re.compile(r"(?<![a-z0-9])(?:" + alternatives + r")(?![a-z0-9])")
        english: set[str] = set()
        for t in [doc_type] if doc_type else []:
            for labels in t.labels.values():
                english |= {" ".join(_tokens(lb.split(" / ", 1)[1])) for lb in labels if " / " in lb}
        for label in (*vocab.delimiter_labels, *(x for v in vocab.generic.values() for x in v)):
            if " / " in label:
                english.add(" ".join(_tokens(label.split(" / ", 1)[1])))
        self.english = sorted((e for e in english if e), key=lambda e: -len(e.split()))
        self._slash = re.compile(r"\s*/\s*")
        self._sep = re.compile(r"\s*(?:[.,]?\s*[:;]|[.,](?!\d))\s*")
        headings: dict[str, str] = {}
        for role, r in vocab.roles.items():
            for h in r.headings:
                headings.setdefault(" ".join(_tokens(h)), role)
        self.headings = headings

    def find(self, cell: Cell) -> list[Match]:
        """The labels of a cell, in order: each followed by its separator, or ending the cell, or (a bare label
        at the cell's start) followed by a capital or a digit."""
        f = cell.folded
        out: list[Match] = []
        start_of_cell = _NUMBERING.match(f) or _JUNK_START.match(f)
        cell_start = start_of_cell.end() if start_of_cell else 0
        pos = 0
        while pos < len(f):
            m = self._label.search(f, pos)
            if not m:
                break
            key = self._names[m.lastgroup]  # type: ignore[index]
            info = self.labels[key]
            end = m.end()
            role = info.role
            if self._suffix is not None:
                s = self._suffix.match(f, end)
                if (
                    s
                    and self._suffix_ends_label(cell.text, s.end())
                    and (
                        self._suffix_as_written(cell.text[s.start(1) : s.end(1)], s.group(1))
                        or self._suffix_closed(f, s.end(), s.group(1))
                    )
                ):
                    role = self.suffix_role[" ".join(_tokens(s.group(1)))]
                    end = s.end()
                elif (near := self._suffix_misread(f, end)) is not None:
                    role, end = near
            after = self._english_half(f, end)
            sep = self._sep.match(f, after)
            rest = cell.text[after:].strip(_EDGE_JUNK)
            at_start = m.start() <= cell_start
            if sep and sep.group().strip():
                follows = cell.text[sep.end() : sep.end() + 1]
                if ":" in sep.group() or ";" in sep.group() or not follows or follows.isupper() or follows.isdigit():
                    out.append(Match(info, cell, m.start(), after, sep.end(), role, "colon"))
                    pos = sep.end()
                    continue
            as_written = self._as_written(cell.text[m.start() : m.end()], key)
            if not rest and at_start and as_written:
                out.append(Match(info, cell, m.start(), after, len(f), role, "end"))
                break
            nxt = cell.text[after:].lstrip(" \t")
            if at_start and as_written and info.bare and nxt[:1] and (nxt[:1].isupper() or nxt[:1].isdigit()):
                out.append(Match(info, cell, m.start(), after, len(f) - len(nxt), role, "bare"))
                pos = len(f) - len(nxt)
                continue
            pos = m.end()
        return out

    @staticmethod
    def _suffix_closed(f: str, end: int, suffix: str) -> bool:
        """A suffix read with other diacritics than printed ("người chông" for "người chồng") still ends its label
        where a colon follows it, or — a suffix of two words or more, which no name starts like ("người", "bên",
        "của") — where its cell ends (the colon stands apart, or OCR dropped it). A one-word suffix at a cell's
        end stays a name ("Võ" is "vợ" only as printed)."""
        if _COLON_NEXT.match(f, end):
            return True
        return len(suffix.split()) >= 2 and not f[end:].strip(_EDGE_JUNK)

    def _suffix_misread(self, f: str, end: int) -> tuple[str, int] | None:
        """A role suffix of two words or more with one letter misread ("người chế" for "người chết"), right after
        a label and closed like ``_suffix_closed`` (a colon, or the cell's end): (its role, where it ends). Its
        first word must be read right (a name never starts "người", "bên", "của"), the rest one letter from the
        suffix of exactly one of the roles the type prints ("người chế" is as near "người cha", but a death
        extract names no father)."""
        printed = set(self.doc_type.roles) if self.doc_type is not None and self.doc_type.roles else None
        for n in range(2, 6):
            m = _SUFFIX_WORDS[n].match(f, end)
            if not m:
                return None
            if not self._suffix_closed(f, m.end(1), m.group(1)):
                continue
            read = " ".join(re.findall(r"[a-z0-9]+", m.group(1)))
            roles = {
                role
                for suffix, role in self.suffix_role.items()
                if (printed is None or role in printed)
                and len(suffix.split()) == n
                and len(suffix) >= 8
                and suffix.split()[0] == read.split()[0]
                and Levenshtein.distance(read, suffix) == 1
            }
            return (roles.pop(), m.end(1)) if len(roles) == 1 else None
        return None

    def _english_half(self, f: str, end: int) -> int:
        """Where the English half of a bilingual label ends ("Họ và tên / Full name"): after the slash, the words
        that read most like a known English half (OCR's "Eull name" is "Full name", "given ni me" is "given
        name": one word more or fewer is tried too); ``end`` without one."""
        m = self._slash.match(f, end)
        if not m or not self.english:
            return end
        words = list(re.finditer(r"[a-z0-9']+", f[m.end() : m.end() + 90]))
        best, best_end = 0.0, end
        for known in self.english:
            n = len(known.split())
            for k in (n, n + 1, n - 1):
                if k < 1 or len(words) < k:
                    continue
                span = f[m.end() : m.end() + words[k - 1].end()]
                score = fuzz.ratio(" ".join(re.findall(r"[a-z0-9]+", span)), known)
                if score > best:
                    best, best_end = score, m.end() + words[k - 1].end()
        return best_end if best >= 75 else end

    def _as_written(self, text: str, key: str) -> bool:
        """Without a colon after it, a label counts only as printed ("Hạng"), not as a name that folds alike
        ("HẰNG"); words OCR read without their marks are taken as the label."""
        w = _written(text)
        if w in self.written.get(key, {w}) or w == key:
            return True
        # a consonant with a mark, which no Vietnamese word has ("Ñgày" for "Ngày"), is OCR's, not a name's
        plain = "".join(_plain_consonant(ch) for ch in w)
        return plain != w and (plain in self.written.get(key, {plain}) or plain == key)

    @staticmethod
    def _suffix_ends_label(text: str, end: int) -> bool:
        """A role suffix ends its label: a separator, the end of the cell, or (a label printed without its colon)
        a value in capitals or digits follows."""
        rest = text[end:].lstrip(" \t")
        return not rest or rest[0] in ":;.,/" or rest[0].isupper() or rest[0].isdigit()

    def _suffix_as_written(self, text: str, folded: str) -> bool:
        """The suffix reads as printed ("vợ"), not as a word that only folds alike ("Võ"); words OCR read without
        their marks are taken as the suffix."""
        written = " ".join(nfc(text).lower().split())
        return written == self.suffix_written.get(" ".join(_tokens(folded)), written) or written == folded

    def heading(self, cell: Cell) -> str | None:
        """The role a cell names when it is a section title or a column head, else None."""
        f = _NUMBERING.sub("", cell.folded).strip(" :.-")
        key = " ".join(re.findall(r"[a-z0-9]+", f))
        return self.headings.get(key)


def _name_words(text: str) -> bool:
    """Every word a middle or given name syllable (``names.toml``): what a person's name wrapped to the next
    line leaves there."""
    words = text.split()
    return bool(words) and len(words) <= 3 and all(is_name_syllable(w, 1) for w in words)


def _plain_consonant(ch: str) -> str:
    """A consonant without the mark OCR put on it ("ñ" → "n"); any other character as it is."""
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) > 1 and parts[0].isalpha() and parts[0].lower() not in "aeiouy":
        return parts[0]
    return ch


def _speck(cell: Cell) -> bool:
    """A fragment with fewer than two letters or digits: a speck of dirt, a stroke of a rule, a seal's edge."""
    return sum(ch.isalnum() for ch in cell.text) < 2


def _ends_with(key: str, suffix: str) -> bool:
    return key == suffix or key.endswith(" " + suffix)


_INDEXES: dict[int, tuple[DocumentType | None, LabelIndex]] = {}


def label_index(doc_type: DocumentType | None) -> LabelIndex:
    """The compiled labels of a type (kept per type object: types are frozen, and compiling costs ~10 ms)."""
    hit = _INDEXES.get(id(doc_type))
    if hit is not None and hit[0] is doc_type:
        return hit[1]
    if len(_INDEXES) > 256:
        _INDEXES.clear()
    index = LabelIndex(doc_type, default_vocabulary())
    _INDEXES[id(doc_type)] = (doc_type, index)
    return index


# --- pairing -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Found:
    """A label's value as the page prints it (``value`` empty: the label is printed with nothing after it)."""

    value: str
    role: str | None
    priority: int
    order: int
    continued: bool = False
    """The value ran on to the next line and was joined."""
    cut: str | None = None
    """Why the value may be cut short: ``value_at_line_end`` or ``value_gap``; None when nothing says so."""


@dataclass(slots=True)
class _Region:
    page: int
    first_row: int
    roles: list[tuple[float, str]]
    """(x centre or column index, role) of each heading; one entry: a whole-width section."""
    geometric: bool
    starts: list[float] = field(default_factory=list)
    """Where each heading starts (the left edge of its column)."""

    def role_at(self, cell: Cell, index_in_row: int | None = None) -> str:
        if len(self.roles) == 1:
            return self.roles[0][1]
        if not self.geometric and index_in_row is not None:
            i = min(index_in_row, len(self.roles) - 1)
            return self.roles[i][1]
        cx = (cell.x0 + cell.x1) / 2
        return min(self.roles, key=lambda r: abs(r[0] - cx))[1]

    def spans(self, cell: Cell) -> bool:
        """A cell that starts in one column and runs well into the next (a line across the page) ends a region
        of columns."""
        if len(self.roles) < 2 or not self.geometric:
            return False
        return any(cell.x0 < b - 2 * cell.h and cell.x1 > b + 2 * cell.h for b in self.starts[1:])


class Pairing:
    """Every label of a page with its value and role, for one document type."""

    def __init__(self, layout: Layout, index: LabelIndex) -> None:
        self.layout = layout
        self.index = index
        self.doc_type = index.doc_type
        self._join_wrapped_labels()
        self.matches: list[list[Match]] = [[] for _ in layout.rows]
        for r, row in enumerate(layout.rows):
            for c in row:
                self.matches[r] += index.find(c)
        self.regions = self._regions()
        self.found: dict[str, list[Found]] = {}
        self._pair()

    def _join_wrapped_labels(self) -> None:
        """A label printed over two lines of its table cell ("Ngày, tháng," / "năm sinh") is one label: the cell
        below is joined to it when only together they spell a label (a longer one than the first line alone)."""
        rows = self.layout.rows
        for r in range(len(rows) - 1):
            for i, c in enumerate(list(rows[r])):
                b = self._under(r, c, i)
                if b is None or any(m.kind == "colon" for m in self.index.find(b)):
                    continue
                alone = self.index.find(c)
                if any(m.kind == "colon" for m in alone):
                    continue
                t = f"{c.text} {b.text}"
                joined = Cell(t, fold(t), c.page, c.row, c.x0, max(c.x1, b.x1), c.y, c.h, c.starts + b.starts)
                ms = self.index.find(joined)
                whole = ms and ms[0].end > len(c.text) and ms[0].start <= (alone[0].start if alone else 4)
                if whole and ms[0].end >= len(c.text) + 1 + len(b.text.split()[0]):  # it takes in the word below
                    rows[r][i] = joined
                    rows[r + 1].remove(b)
                    continue
                head = self._wrapped_head(c, b)
                if head is not None:
                    rows[r][i] = head
                    rows[r + 1].remove(b)
        self.layout.rows = [row for row in rows if row]
        for n, row in enumerate(self.layout.rows):
            for c in row:
                c.row = n

    def _wrapped_head(self, c: Cell, b: Cell) -> Cell | None:
        """A label wrapped in its table cell whose first line ran into the value beside it ("Tên doanh nghiệp viết
        bằng tiếng Công ty TNHH …" over "Việt"): the cell rebuilt as label, colon, value."""
        words = c.text.split()
        if len(words) < 4 or len(b.text.split()) > 3:
            return None
        opening = " ".join(re.findall(r"[a-z0-9]+", " ".join(fold(w) for w in words[:3])))
        if opening not in self.index.openings:
            return None
        for k in range(len(words) - 1, 2, -1):
            label = f"{' '.join(words[:k])} {b.text}"
            key = " ".join(_tokens(label))
            if key in self.index.labels and self.index.labels[key].fields:
                rest = " ".join(words[k:])
                t = f"{label}: {rest}"
                starts = c.starts[:k] + b.starts + c.starts[k:] if len(c.starts) == len(words) else ()
                return Cell(t, fold(t), c.page, c.row, c.x0, c.x1, c.y, c.h, starts)
        return None

    def _under(self, r: int, c: Cell, i: int) -> Cell | None:
        """The cell right under ``c`` on the next row (the second line of a table cell), if any."""
        rows = self.layout.rows
        if r + 1 >= len(rows) or not rows[r + 1] or rows[r + 1][0].page != c.page:
            return None
        nxt = rows[r + 1]
        if self.layout.geometric:
            if nxt[0].y - c.y > self._next_row(c):
                return None
            return next((b for b in nxt if abs(b.x0 - c.x0) <= c.h), None)
        if len(nxt) == len(rows[r]):
            return nxt[i]
        return nxt[0] if len(nxt) == 1 and i == 0 else None

    # regions of headings ------------------------------------------------------------------------
    def _regions(self) -> list[_Region | None]:
        out: list[_Region | None] = []
        current: _Region | None = None
        for r, row in enumerate(self.layout.rows):
            heads = [(c, self.index.heading(c)) for c in row]
            roles = [(c, role) for c, role in heads if role]
            long_heading = any(len(c.folded.split()) >= 2 for c, _ in roles)
            others = [c for c, role in heads if not role]
            columns = len(roles) >= 2 and not any(self._starts_with_label(c) for c in others)
            if columns or (long_heading and len(roles) == len(row)):
                geometric = self.layout.geometric
                pts = [((c.x0 + c.x1) / 2 if geometric else float(i), role) for i, (c, role) in enumerate(roles)]
                if not geometric and others:
                    pts = [(float(i), role) for i, (_, role) in enumerate(roles)]
                current = _Region(row[0].page, r, pts, geometric, sorted(c.x0 for c, _ in roles))
                out.append(None)
                continue
            if current is not None and (row[0].page != current.page or any(current.spans(c) for c in row)):
                current = None
            if current is not None and not self.layout.geometric and len(current.roles) >= 2 and len(row) < 2:
                current = None
            out.append(current)
        return out

    # values -----------------------------------------------------------------------------------
    def _next_row(self, cell: Cell) -> float:
        """How far below a cell the next line of the same block may start: one and a half line pitches."""
        return 1.5 * self.layout.pitch.get(cell.page, 2.4 * cell.h)

    def _starts_with_label(self, cell: Cell) -> bool:
        ms = self.index.find(cell)
        return bool(ms) and ms[0].start <= (len(cell.folded) - len(cell.folded.lstrip())) + 4

    def _label_like(self, cell: Cell) -> bool:
        """Starts with a label, or with the first three words of a longer one (the rest wrapped or run into
        its value): such a line is no continuation of the value above."""
        if self._starts_with_label(cell):
            return True
        words = re.findall(r"[a-z0-9]+", _NUMBERING.sub("", cell.folded))[:3]
        return len(words) == 3 and " ".join(words) in self.index.openings

    def _text_until_label(self, cell: Cell) -> str:
        ms = [m for m in self.index.find(cell) if m.kind == "colon"]
        return cell.text[: ms[0].start].strip(_EDGE_JUNK) if ms else cell.text

    def _below(self, r: int, cell: Cell, index_in_row: int) -> Cell | None:
        rows = self.layout.rows
        if r + 1 >= len(rows) or rows[r + 1][0].page != cell.page:
            return None
        nxt = rows[r + 1]
        if self.layout.geometric:
            if nxt[0].y - cell.y > self._next_row(cell):
                return None
            over = [c for c in nxt if c.x1 > cell.x0 - cell.h and c.x0 < cell.x1 + cell.h]
            return min(over, key=lambda c: abs(c.x0 - cell.x0)) if over else None
        if len(nxt) == len(rows[r]) and index_in_row < len(nxt):
            return nxt[index_in_row]
        return nxt[0] if index_in_row == 0 else None

    def _long_line(self, row: list[Cell], cell: Cell) -> bool:
        """The cell runs on to near the end of the room it has — the right margin, or the next column when the
        row has one (two people side by side) — three quarters of it or more: it may have been wrapped there."""
        edge = self.layout.right_edge.get(cell.page)
        if edge is None:
            return False
        i = row.index(cell) if cell in row else -1
        limit = row[i + 1].x0 if 0 <= i < len(row) - 1 else edge
        return cell.x1 - cell.x0 >= 0.75 * (limit - cell.x0)

    def _continuation(self, r: int, cell: Cell, value_x0: float, value: str) -> Cell | None:
        """The next row's fragment that carries on this value (a line wrapped at the margin or inside its table
        cell), if any: no label, no heading, at most eight words, capitals when the value is in capitals."""
        rows = self.layout.rows
        if r + 1 >= len(rows) or rows[r + 1][0].page != cell.page:
            return None
        nxt = rows[r + 1]
        letters = [ch for ch in value if ch.isalpha()]
        capitals = bool(letters) and all(ch.isupper() for ch in letters)
        if self.layout.geometric:
            if nxt[0].y - cell.y > self._next_row(cell):
                return None
            under = [c for c in nxt if abs(c.x0 - value_x0) <= 1.5 * cell.h]
            if under:
                candidate = under[0]
                if any(self._starts_with_label(c) for c in nxt[: nxt.index(candidate)]):
                    return None
            elif (back := [c for c in nxt if abs(c.x0 - cell.x0) <= 1.5 * cell.h]) and (
                self._long_line(rows[r], cell) or _name_words(back[0].text)
            ):
                # wrapped back to where the line (or its column) starts: a line that ran to the end of its room,
                # or one followed there by nothing but name syllables (a person's column is narrower than the
                # room to the next column: "ĐẶNG THANH / THẮNG")
                candidate = back[0]
                # a label before it in another person's column (the husband's next field, left of the wife's
                # column) says nothing about this column; one inside the column does
                if any(self._starts_with_label(c) and c.x1 > cell.x0 - cell.h for c in nxt[: nxt.index(candidate)]):
                    return None
            else:
                return None
        else:
            here = rows[r]
            i = here.index(cell) if cell in here else 0
            if len(nxt) == 1:
                candidate = nxt[0]
            elif len(nxt) == len(here) and not any(self._starts_with_label(c) for c in nxt[:i]):
                candidate = nxt[i]  # the wrapped part of a table cell
            else:
                return None
        if self._label_like(candidate) or self.index.heading(candidate):
            return None
        text_letters = [ch for ch in candidate.text if ch.isalpha()]
        if not text_letters or len(candidate.text.split()) > 8:
            return None
        if capitals != all(ch.isupper() for ch in text_letters):
            return None
        return candidate

    def _pair(self) -> None:
        order = 0
        rows = self.layout.rows
        for r, ms in enumerate(self.matches):
            for k, m in enumerate(ms):
                cell = m.cell
                index_in_row = rows[r].index(cell)
                same_cell_next = next((x for x in ms[k + 1 :] if x.cell is cell), None)
                end = same_cell_next.start if same_cell_next else len(cell.text)
                inline = cell.text[m.value_start : end].strip(_EDGE_JUNK)
                inline = _LEADERS.sub(" ", inline).strip(_EDGE_JUNK)
                values: list[tuple[str, Cell, int, float]] = []  # (text, cell, index in row, x0 of the value)
                continued_from: Cell | None = None
                if inline:
                    lead = len(cell.text[m.value_start :]) - len(cell.text[m.value_start :].lstrip(_EDGE_JUNK))
                    values.append((inline, cell, index_in_row, cell.x_at(m.value_start + lead)))
                    continued_from = cell if same_cell_next is None else None
                elif same_cell_next is None:
                    right = [c for c in rows[r][index_in_row + 1 :] if not _speck(c)]
                    for c in right:
                        if self._starts_with_label(c):
                            break
                        t = self._text_until_label(c)
                        if t:
                            values.append((t, c, rows[r].index(c), c.x0))
                    if not values and not right:
                        below = self._below(r, cell, index_in_row)
                        if below is not None and not self._starts_with_label(below) and not self.index.heading(below):
                            t = self._text_until_label(below)
                            if t:
                                values.append((t, below, rows[below.row].index(below), below.x0))
                if not values:
                    self._add(m, "", None, order)
                    order += 1
                    continue
                roles = [self._role(m, r, vcell, vindex) for _, vcell, vindex, _ in values]
                # several unlabelled cells to the right that are not one column per person: a value in pieces
                split = len(values) > 1 and (None in roles or len(set(roles)) < len(roles))
                for (text, vcell, _, vx0), role in zip(values, roles, strict=True):
                    cut = "value_gap" if split else None
                    continued = False
                    if "full_name" in m.label.fields and not split:
                        may_continue = vcell is not cell or continued_from is cell
                        cont = self._continuation(vcell.row, vcell, vx0, text) if may_continue else None
                        if cont is not None:
                            text = f"{text} {self._text_until_label(cont)}"
                            continued = True
                        elif vcell is not cell or same_cell_next is None:  # the value ends its cell
                            cut = self._cut(vcell.row, vcell, len(values) > 1)
                    self._add(m, text, role, order, continued, cut)
                    order += 1

    def _cut(self, r: int, cell: Cell, several: bool) -> str | None:
        """Why a value may be cut short: its words read as tall as a seal (ink over the line), an unlabelled
        fragment right after it on its row (a word lost under a seal, a column edge), or a value that reaches the
        right margin while the next line starts with an unlabelled fragment that does not read as its
        continuation."""
        if not self.layout.geometric:
            return None
        rows = self.layout.rows
        row = rows[r]
        typical = self.layout.word_h.get(cell.page)
        if typical and cell.h > 2.2 * typical:
            return "value_under_seal"  # words read as tall as a seal: ink over the line
        i = row.index(cell) if cell in row else -1
        after = [c for c in row[i + 1 :] if not _speck(c)] if i >= 0 else []
        if after and not several:
            nxt = after[0]
            if nxt.x0 - cell.x1 < 6 * cell.h and not self._label_like(nxt) and not self.index.heading(nxt):
                return "value_gap"
        if not self._long_line(row, cell) or after:
            return None
        if r + 1 < len(rows) and rows[r + 1] and rows[r + 1][0].page == cell.page:
            first = rows[r + 1][0]
            region = self.regions[r] if r < len(self.regions) else None
            if region is not None and len(region.roles) > 1 and self._starts_with_label(cell):
                # a column per person, labels in it: the line under the value is the one in its own column (the
                # husband's next label on the left says nothing about the wife's name wrapping on the right; in
                # a table the cell under a value is the next field's value, and the label cell says so)
                first = next((c for c in rows[r + 1] if c.x1 > cell.x0 + cell.h), first)
            elif (
                region is not None
                and len(region.roles) > 1
                and cell is not row[0]
                and not self._label_like(first)
                and not self.index.heading(first)
            ):
                # a value in a person's column of a table (labels in the first column): a next row without its
                # label goes on in the columns, and the line under the value is in its own column; nothing there
                # (the husband's name wrapping in his column) — it ends where it is
                under = next((c for c in rows[r + 1] if c.x1 > cell.x0 + cell.h), None)
                if under is None:
                    return None
                first = under
            near = first.y - cell.y <= self._next_row(cell)
            if near and not self._label_like(first) and not self.index.heading(first):
                return "value_at_line_end"
        return None

    def _role(self, m: Match, r: int, vcell: Cell, vindex: int) -> str | None:
        if m.role:
            return m.role
        region = self.regions[r]
        if region is not None:
            if self.layout.geometric or len(region.roles) == 1:
                return region.role_at(vcell)
            # text: value cells map onto the column heads in order
            row = self.layout.rows[r]
            value_cells = [c for c in row if not self._starts_with_label(c)]
            if vcell in value_cells:
                return region.roles[min(value_cells.index(vcell), len(region.roles) - 1)][1]
            return region.role_at(vcell, row.index(vcell) if vcell in row else 0)
        return None

    def _add(self, m: Match, value: str, role: str | None, order: int, continued=False, cut=None) -> None:
        for fld, prio in m.label.fields.items():
            self.found.setdefault(fld, []).append(Found(value, role, prio, order, continued, cut))

    # roles by order -----------------------------------------------------------------------------
    def resolved(self) -> dict[str, list[Found]]:
        """Every field's values with their role filled in: by a suffix or heading, by the last name before it
        (a person's other fields), by the order of names (owners listed one after another), or the first role."""
        t = self.doc_type
        default = t.roles[0] if t else "person"
        owners = list(t.owners) if t else [default]
        in_order = bool(t and t.parties_in_order)
        names = sorted(self.found.get("full_name", []), key=lambda f: f.order)
        named: list[tuple[int, str]] = []
        next_owner = 0
        resolved_names = []
        seen_orders: set[int] = set()
        for f in names:
            role = f.role
            if role is None:
                if in_order and f.order not in seen_orders and f.value:
                    role = owners[min(next_owner, len(owners) - 1)] if next_owner < len(owners) else "other"
                    next_owner += 1
                else:
                    role = default
            seen_orders.add(f.order)
            named.append((f.order, role))
            resolved_names.append(_with_role(f, role))
        out: dict[str, list[Found]] = {"full_name": resolved_names}
        for fld, fs in self.found.items():
            if fld == "full_name":
                continue
            res = []
            for f in fs:
                role = f.role
                if role is None:
                    if fld in PERSON_FIELDS or fld.startswith("_"):
                        before = [rl for o, rl in named if o < f.order]
                        role = before[-1] if before else default
                    else:
                        role = default
                res.append(_with_role(f, role))
            out[fld] = res
        return out


def _with_role(f: Found, role: str) -> Found:
    return Found(f.value, role, f.priority, f.order, f.continued, f.cut)


def pick(found: Sequence[Found], role: str | None) -> Found | None:
    """The value of a field for one role: the most specific label first, then the first on the page; an empty
    value only when every label of the field printed for that role is empty."""
    mine = [f for f in found if role is None or f.role == role]
    if not mine:
        return None
    full = [f for f in mine if f.value]
    if not full:
        return min(mine, key=lambda f: (f.priority, f.order))
    return min(full, key=lambda f: (f.priority, f.order))


def pair(text: str, words: Sequence[Word] | None, doc_type: DocumentType | None) -> dict[str, list[Found]]:
    """Every field's labelled values on the page, each with its role (see the module's docstring)."""
    return Pairing(build_layout(text, words), label_index(doc_type)).resolved()
