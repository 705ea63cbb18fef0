"""How a paper's content is laid out: the same labelled values printed inline, over dotted lines, in a ruled
table, with the label on the line above its value, or for two people side by side.

A generator describes *what* a paper prints as items (:class:`F` a labelled value, :class:`Share` several on one
line, :class:`H` a heading, :class:`T` free text, :class:`Grid` a table with column heads, :class:`Columns` two
people side by side); a style turns them into body lines (``str``) and rows of cells (:class:`Row`) that
``render.py`` draws. Long values wrap at the margin or inside their table cell, as a typed form does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

FONTS = {
    "serif": Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
    "sans": Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"),
}
BODY_PT = 471.0
"""Width of the body between the margins, in points (A4 less 62 pt each side), at 13 pt type."""
STYLES = ("inline", "dotted", "table", "above", "tabs", "nocolon", "underline")


@dataclass(frozen=True)
class F:
    """A labelled value: ``label: value``."""

    label: str
    value: str


@dataclass(frozen=True)
class Share:
    """Several labelled values on one line ("Giới tính: Nam    Dân tộc: Kinh")."""

    items: tuple[F, ...]


@dataclass(frozen=True)
class H:
    """A heading line (section title)."""

    text: str


@dataclass(frozen=True)
class T:
    """A line of free text."""

    text: str


@dataclass(frozen=True)
class Grid:
    """A ruled table: column heads (the first one over the label column may be empty) and rows of a label and one
    value per column."""

    heads: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Columns:
    """Two people side by side, each column a list of items (headings and labelled values)."""

    left: tuple[object, ...]
    right: tuple[object, ...]


@dataclass(frozen=True)
class Row:
    """A body line made of cells, each at a fraction of the body's width; ``ruled`` draws the table's lines."""

    cells: tuple[tuple[float, str], ...]
    ruled: bool = False
    columns: tuple[float, ...] = ()
    """Where the table's columns start (for its vertical lines); default: where the cells start."""
    continued: bool = False
    """The cells carry on the previous row's (a wrapped value): no line between them."""

    @property
    def text(self) -> str:
        return "    ".join(t for _, t in self.cells if t)


Line = str | Row


@functools.cache
def _font(name: str = "serif") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS[name]), 130)


_FONT = ["serif"]  # the body font of the paper being laid out


def width_pt(text: str) -> float:
    """Printed width of ``text`` at 13 pt, in points."""
    return _font(_FONT[0]).getlength(text) / 10


def wrap(text: str, width: float) -> list[str]:
    """``text`` cut into lines no wider than ``width`` points, at spaces."""
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and width_pt(trial) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    return lines or [""]


VALUE_AT = 0.40
"""Where the value column of a two-column table starts (fraction of the body)."""
TAB_AT = 0.45
"""Where the tab stop of the ``tabs`` style puts values."""


def lay_out(items: list[object], style: str, font: str = "serif") -> list[Line]:
    """Body lines for ``items`` in ``style`` (see ``STYLES``), measured in ``font``."""
    _FONT[0] = font
    out: list[Line] = []
    for item in items:
        out += _item(item, style)
    return out


def _item(item: object, style: str) -> list[Line]:
    if isinstance(item, T | H):
        return [item.text]
    if isinstance(item, F):
        return _field(item, style)
    if isinstance(item, Share):
        if style == "table":
            step = 1.0 / len(item.items)
            xs: list[float] = []
            parts: list[list[str]] = []
            for i, f in enumerate(item.items):
                xs += [i * step, i * step + step * 0.45]
                parts += [wrap(f.label, step * 0.45 * BODY_PT - 20), wrap(f.value, step * 0.55 * BODY_PT - 20)]
            rows = []
            for k in range(max(len(p) for p in parts)):
                cells = tuple((x, p[k]) for x, p in zip(xs, parts, strict=True) if k < len(p) and p[k])
                rows.append(Row(cells, ruled=True, columns=tuple(xs), continued=k > 0))
            return rows
        sep = "    "
        joined = sep.join(_inline(f, style) for f in item.items)
        if width_pt(joined) <= BODY_PT:
            return [joined]
        return [_inline(f, style) for f in item.items]
    if isinstance(item, Grid):
        n = len(item.heads)
        col = (1.0 - VALUE_AT) / max(1, n - 1)
        xs = [0.0] + [VALUE_AT + i * col for i in range(n - 1)]
        heads = tuple((x, h) for x, h in zip(xs, item.heads, strict=True) if h)
        rows: list[Line] = [Row(heads, ruled=True, columns=tuple(xs))]
        for r in item.rows:
            parts = [wrap(v, col * BODY_PT - 20) if i else wrap(v, VALUE_AT * BODY_PT - 20) for i, v in enumerate(r)]
            for k in range(max(len(p) for p in parts)):
                cells = tuple((x, p[k]) for x, p in zip(xs, parts, strict=True) if k < len(p) and p[k])
                rows.append(Row(cells, ruled=True, columns=tuple(xs), continued=k > 0))
        return rows
    if isinstance(item, Columns):
        left = [x for i in item.left for x in _column_lines(i)]
        right = [x for i in item.right for x in _column_lines(i)]
        rows = []
        for k in range(max(len(left), len(right))):
            cells = []
            if k < len(left) and left[k]:
                cells.append((0.0, left[k]))
            if k < len(right) and right[k]:
                cells.append((0.52, right[k]))
            rows.append(Row(tuple(cells)))
        return rows
    raise TypeError(f"unknown item {item!r}")


def _column_lines(item: object) -> list[str]:
    """One person's column: half the body wide."""
    if isinstance(item, T | H):
        return [item.text]
    if isinstance(item, F):
        return wrap(f"{item.label}: {item.value}", 0.47 * BODY_PT)
    raise TypeError(f"no such item in a column: {item!r}")


def _inline(f: F, style: str) -> str:
    if style == "dotted":
        return f"{f.label}: ....... {f.value} ......."
    if style == "underline":
        return f"{f.label}: ____ {f.value} ____"
    if (style == "nocolon" and f.value[:1].isupper()) or (style == "nocolon" and f.value[:1].isdigit()):
        return f"{f.label} {f.value}"
    return f"{f.label}: {f.value}"


def _field(f: F, style: str) -> list[Line]:
    if style == "table":
        labels = wrap(f.label, VALUE_AT * BODY_PT - 14)
        lines = wrap(f.value, (1.0 - VALUE_AT) * BODY_PT - 10) if f.value else []
        cols = (0.0, VALUE_AT)
        rows = []
        for k in range(max(len(labels), len(lines))):
            cells = ((0.0, labels[k]),) if k < len(labels) else ()
            cells += ((VALUE_AT, lines[k]),) if k < len(lines) else ()
            rows.append(Row(cells, ruled=True, columns=cols, continued=k > 0))
        return rows
    if style == "above":
        return [f"{f.label}:", *(Row(((0.04, v),)) for v in wrap(f.value, 0.94 * BODY_PT))]
    if style == "tabs":  # the value at a tab stop, no rules
        labels = wrap(f"{f.label}:", TAB_AT * BODY_PT - 14)
        lines = wrap(f.value, (1.0 - TAB_AT) * BODY_PT - 10) if f.value else []
        rows: list[Line] = []
        for k in range(max(len(labels), len(lines))):
            cells = ((0.0, labels[k]),) if k < len(labels) else ()
            cells += ((TAB_AT, lines[k]),) if k < len(lines) else ()
            rows.append(Row(cells))
        return rows
    text = _inline(f, style)
    if width_pt(text) <= BODY_PT:
        return [text]
    return wrap(text, BODY_PT)  # a long value runs on at the left margin
