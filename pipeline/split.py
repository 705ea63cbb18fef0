"""Cut a scanned stack into documents: a pure function of what was seen on each page.

Rules, in page order:

* a **separator sheet** (``pipeline.sheets``) ends the current document and is dropped; ``DOC TYPE=X`` gives the
  next document its type, ``DOSSIER CODE`` puts what follows in that dossier, ``END`` ends the dossier;
* a **reception receipt** — a page whose QR code or Code 128 carries a valid dossier code, or whose printed text
  reads as the receipt with its "Mã hồ sơ" — ends the current document and starts that dossier; the receipt
  page is kept as the dossier's first component, a document of its own;
* **blank pages** (duplex backs) are dropped when ``drop_blank``; a page blank by its ink whose only codes are
  those of the page before is that sheet's back with its code showing through, and is blank too;
  ``blank_run`` blank pages in a row (0 = off) act as a separator and are dropped;
* a code that cannot be followed — a separator sheet of an unknown kind, a dossier code that is not valid, a
  symbol located but not decoded — never merges silently: the document it falls in is sent to review with the
  reason, in Vietnamese and English; after an invalid receipt code, the documents that follow are not put in any
  earlier dossier and say why.

Nothing is lost: every page is either in exactly one part or listed in ``dropped`` with why, and the original
stack is kept byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from catalog.codes import validate_dossier_code
from catalog.errors import InvalidCode
from pipeline.sheets import BadSheet, Sheet, is_sheet_code, parse_sheet

LOOSE_DOSSIER = re.compile(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}")
"""A dossier code's shape, before its date is checked (``validate_dossier_code``)."""

Started = Literal["start", "separator", "receipt", "blank_run", "bad_code"]


@dataclass(frozen=True, slots=True)
class PageSignal:
    """What the analysis saw on one page of a stack (``pipeline.stacks``)."""

    index: int
    """Page number in the file, from 0."""
    blank: bool = False
    codes: tuple[str, ...] = ()
    """Texts of the QR codes and barcodes read on the page."""
    unreadable: tuple[str, ...] = ()
    """Symbols located but not decoded."""
    receipt_text: str | None = None
    """The page's printed text read as a receipt: the dossier code found after its "Mã hồ sơ" label, or ``""``
    when the page reads as a receipt but no code could be read. None: not read, or not a receipt."""
    faint: bool = False
    """The page is blank by its ink although a code was read on it: what a duplex scan of thin paper gives for
    the back of a sheet whose code shows through."""


@dataclass
class Part:
    """One document cut from a stack."""

    pages: list[int]
    started_by: Started = "start"
    dossier: str | None = None
    type_code: str | None = None
    receipt: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(English, Vietnamese) reasons a clerk must look at this document's split."""

    def to_json(self) -> dict:
        return {
            "pages": list(self.pages),
            "started_by": self.started_by,
            "dossier": self.dossier,
            "type_code": self.type_code,
            "receipt": self.receipt,
            "notes": [list(n) for n in self.notes],
        }


@dataclass(frozen=True, slots=True)
class SplitRules:
    separators: bool = True
    receipts: bool = True
    drop_blank: bool = True
    blank_run: int = 0


@dataclass
class Split:
    parts: list[Part]
    dropped: list[tuple[int, str]]
    """(page, why: ``separator`` | ``blank`` | ``blank_run``) — pages in no document."""

    def to_json(self) -> dict:
        return {"parts": [p.to_json() for p in self.parts], "dropped": [list(d) for d in self.dropped]}


def receipt_code(texts: tuple[str, ...]) -> tuple[str | None, tuple[str, str] | None]:
    """The valid dossier code carried by one of the page's codes, or the reason a dossier-code-shaped text is
    not valid."""
    bad = None
    for text in texts:
        for m in LOOSE_DOSSIER.finditer(text):
            try:
                return validate_dossier_code(m.group(0)), None
            except InvalidCode as e:
                bad = (str(e), e.vi)
    return None, bad


def _page_note(n: int, en: str, vi: str) -> tuple[str, str]:
    return f"page {n + 1}: {en}", f"trang {n + 1}: {vi}"


def split_stack(
    signals: list[PageSignal], rules: SplitRules = SplitRules(), known_type=None, dossier: str | None = None
) -> Split:
    """The documents of a stack, each a list of its pages in order, and the pages dropped. ``dossier``: the
    dossier the stack belongs to before any receipt or sheet says otherwise (a manifest or sub-folder)."""
    parts: list[Part] = []
    dropped: list[tuple[int, str]] = []
    cur: Part | None = None
    base_dossier = dossier
    ctx_dossier = dossier
    ctx_notes: list[tuple[str, str]] = []  # reasons carried by every document until the next dossier
    pending_type: str | None = None
    next_start: Started = "start"
    blanks: list[int] = []
    boundary = False  # a run of blank pages long enough to separate

    def close() -> None:
        nonlocal cur
        if cur is not None and cur.pages:
            parts.append(cur)
        cur = None

    def new_part(started: Started) -> Part:
        nonlocal pending_type
        p = Part([], started, ctx_dossier, pending_type, notes=list(ctx_notes))
        pending_type = None
        return p

    def settle_blanks() -> None:
        """Blank pages seen before a non-blank one: dropped, or kept in the document they fall in."""
        nonlocal cur, boundary, next_start
        if not blanks:
            return
        if boundary:
            dropped.extend((b, "blank_run") for b in blanks)
            close()
            next_start = "blank_run"
        elif rules.drop_blank:
            dropped.extend((b, "blank") for b in blanks)
        else:
            if cur is None:
                cur = new_part(next_start)
            cur.pages.extend(blanks)
        blanks.clear()
        boundary = False

    previous_codes: tuple[str, ...] = ()  # the codes of the last page that was not blank
    for sig in signals:
        if sig.faint and sig.codes and set(sig.codes) <= set(previous_codes):
            # the back of the sheet before, its code showing through the paper: a blank page, not a second one
            sig = replace(sig, blank=True, codes=(), unreadable=(), faint=False)
        if not sig.blank:
            previous_codes = sig.codes
        sheet: Sheet | None = None
        bad_sheet: BadSheet | None = None
        if rules.separators:
            for text in sig.codes:
                if is_sheet_code(text):
                    try:
                        sheet = parse_sheet(text, known_type)
                        break
                    except BadSheet as e:
                        bad_sheet = e
        code, bad_code = (None, None)
        if rules.receipts and sheet is None and bad_sheet is None:
            code, bad_code = receipt_code(sig.codes)
            if code is None and bad_code is None and sig.receipt_text is not None:
                if sig.receipt_text:
                    code, bad_code = receipt_code((sig.receipt_text,))
                if code is None and bad_code is None:
                    bad_code = (
                        "reads as a reception receipt but its dossier code cannot be read",
                        "giống giấy tiếp nhận hồ sơ nhưng không đọc được mã hồ sơ",
                    )
        if sheet is not None:
            settle_blanks()
            close()
            dropped.append((sig.index, "separator"))
            if sheet.action == "end":
                ctx_dossier, ctx_notes, pending_type = base_dossier, [], None
            elif sheet.action == "dossier":
                ctx_dossier, ctx_notes, pending_type = sheet.dossier, [], None
            else:
                pending_type = sheet.type_code
            next_start = "separator"
            continue
        if sig.blank and bad_sheet is None and bad_code is None and code is None:
            blanks.append(sig.index)
            if rules.blank_run and len(blanks) >= rules.blank_run:
                boundary = True
            continue
        settle_blanks()
        if bad_sheet is not None or bad_code is not None:
            # a separator or a receipt we cannot follow: a document starts here and a clerk is told why
            en, vi = (bad_sheet.en, bad_sheet.vi) if bad_sheet is not None else bad_code  # type: ignore[misc]
            close()
            if bad_code is not None:  # the dossier these papers belong to is unknown
                ctx_dossier = None
                ctx_notes = [
                    _page_note(
                        sig.index,
                        f"{en}; the documents after it are in no dossier until a clerk assigns them",
                        f"{vi}; các tài liệu sau chưa thuộc hồ sơ nào cho đến khi cán bộ gán",
                    )
                ]
            cur = new_part("bad_code")
            cur.notes.append(_page_note(sig.index, en, vi))
            cur.notes = list(dict.fromkeys(cur.notes))
            cur.pages.append(sig.index)
            if bad_code is not None:  # a receipt whose code cannot be followed is still a receipt: its own document
                close()
                next_start = "separator"
            continue
        if code is not None:
            close()
            ctx_dossier, ctx_notes, pending_type = code, [], None
            parts.append(Part([sig.index], "receipt", code, None, receipt=True))
            next_start = "separator"  # what follows the receipt is a new document of the dossier
            continue
        if cur is None:
            cur = new_part(next_start)
        if sig.unreadable:
            cur.notes.append(
                _page_note(
                    sig.index,
                    f"carries a code that could not be read ({', '.join(sig.unreadable)}); if it is a separator "
                    "sheet or a receipt, check where this document ends",
                    f"có mã không đọc được ({', '.join(sig.unreadable)}); nếu đó là tờ phân cách hoặc giấy tiếp "
                    "nhận, hãy kiểm tra chỗ tách tài liệu",
                )
            )
        cur.pages.append(sig.index)
    if boundary:
        dropped.extend((b, "blank_run") for b in blanks)
        blanks.clear()
    settle_blanks()
    close()
    if not parts and not any(d[1] == "separator" for d in dropped) and signals:
        # nothing but blank pages: one document of them all (it goes to review as blank), nothing dropped
        return Split([Part([s.index for s in signals], "start", base_dossier)], [])
    dropped.sort()
    return Split(parts, dropped)
