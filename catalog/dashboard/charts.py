"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, identical on screen, in print and offline.

Every chart is an ``<svg class="chart" data-chart="…">`` whose marks carry their value in ``data-value`` (bars
``rect.bar``, line points ``circle.point``, target lines ``.target``), so a browser test can check that the
chart rendered and what it shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#16a085")
TARGET = "#c0392b"


def fmt_num(v: float | int | None, digits: int = 1, unit: str = "") -> str:
    """Vietnamese number format: 1.234,5 — and an em dash for a figure that does not exist."""
    if v is None:
        return "—"
    if isinstance(v, int) or (float(v).is_integer() and digits == 0):
        s = f"{int(v):,}".replace(",", ".")
    else:
        s = f"{v:,.{digits}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{s}{unit}"


def fmt_pct(v: float | None) -> str:
    return fmt_num(v, 1, " %")


def nice_ceiling(v: float, integer: bool = False) -> float:
    """The smallest 1, 2, 2.5, 4, 5 × 10^k at least ``v`` (with 4 whole ticks for counts)."""
    if v <= 0:
        return 4.0 if integer else 1.0
    if integer and v <= 20:
        return 4.0 * math.ceil(v / 4)
    exp = 10 ** math.floor(math.log10(v))
    return next(m * exp for m in ((1, 2, 4, 8, 10) if integer else (1, 2, 2.5, 4, 5, 10)) if m * exp >= v)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    target: float | None = None
    title: str = ""


def bar_chart(
    name: str,
    bars: Sequence[Bar],
    *,
    unit: str = "%",
    max_value: float | None = None,
    width: int = 720,
    bar_height: int = 22,
    label_width: int = 230,
    integer: bool = False,
) -> Markup:
    """Horizontal bars (one per agency or category) with each bar's target as a red tick, or one target line."""
    if not bars:
        return Markup(f'<p class="nodata" data-chart="{escape(name)}">Chưa có dữ liệu / no data</p>')
    top, gap = 24, 8
    height = top + len(bars) * (bar_height + gap) + 20
    plot = width - label_width - 70
    values = [b.value or 0 for b in bars] + [b.target or 0 for b in bars]
    vmax = max_value or nice_ceiling(max(values), integer)
    x = lambda v: label_width + plot * min(v, vmax) / vmax  # noqa: E731
    targets = {b.target for b in bars}
    parts = [
        f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        tx = x(vmax * tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 16}" stroke="#e3e3e3"/>')
        parts.append(
            f'<text x="{tx:.1f}" y="{top - 10}" text-anchor="middle" fill="#666">'
            f"{escape(fmt_num(vmax * tick, 0 if float(vmax * tick).is_integer() else 1))}"
            f"{escape(unit if unit == '%' else '')}</text>"
        )
    for i, b in enumerate(bars):
        y = top + i * (bar_height + gap)
        label = b.label if len(b.label) <= 34 else b.label[:33] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">'
            f"<title>{escape(b.title or b.label)}</title>{escape(label)}</text>"
        )
        if b.value is None:
            parts.append(
                f'<text class="nodata" x="{label_width + 4}" y="{y + bar_height * 0.7:.1f}" fill="#999">'
                "chưa có số liệu</text>"
            )
        else:
            w = max(x(b.value) - label_width, 1)
            color = PALETTE[0] if b.target is None or b.value >= b.target else PALETTE[1]
            parts.append(
                f'<rect class="bar" data-value="{b.value}" x="{label_width}" y="{y}" width="{w:.1f}" '
                f'height="{bar_height}" fill="{color}"><title>{escape(b.label)}: {escape(fmt_num(b.value))}'
                f"{escape(unit)}</title></rect>"
            )
            parts.append(
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}">'
                f"{escape(fmt_num(b.value))}{escape(unit if unit == '%' else '')}</text>"
            )
        if b.target is not None and len(targets) > 1:
            tx = x(b.target)
            parts.append(
                f'<line class="target" data-value="{b.target}" x1="{tx:.1f}" y1="{y - 3}" x2="{tx:.1f}" '
                f'y2="{y + bar_height + 3}" stroke="{TARGET}" stroke-width="3"/>'
            )
    if len(targets) == 1 and None not in targets:
        (t,) = targets
        tx = x(t)
        parts.append(
            f'<line class="target" data-value="{t}" x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 16}" '
            f'stroke="{TARGET}" stroke-width="2" stroke-dasharray="6 3"/>'
        )
        parts.append(
            f'<text x="{tx:.1f}" y="{height - 4}" text-anchor="middle" fill="{TARGET}">'
            f"chỉ tiêu {escape(fmt_num(t))}{escape(unit if unit == '%' else '')}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    name: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], Sequence[float | None] | None]],
    *,
    width: int = 720,
    height: int = 260,
    max_value: float = 100.0,
    unit: str = "%",
) -> Markup:
    """Trend lines per quarter: one solid line per series and its target as a dashed line of the same colour."""
    if not labels or not any(v is not None for _n, vals, _t in series for v in vals):
        return Markup(f'<p class="nodata" data-chart="{escape(name)}">Chưa có dữ liệu / no data</p>')
    left, right, top, bottom = 48, 150, 16, 36
    pw, ph = width - left - right, height - top - bottom
    step = pw / max(len(labels) - 1, 1)
    x = lambda i: left + (i * step if len(labels) > 1 else pw / 2)  # noqa: E731
    y = lambda v: top + ph * (1 - min(v, max_value) / max_value)  # noqa: E731
    parts = [
        f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
    ]
    for tick in range(0, 101, 25):
        ty = y(max_value * tick / 100)
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + pw}" y2="{ty:.1f}" stroke="#e3e3e3"/>')
        parts.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" fill="#666">'
            f"{escape(fmt_num(max_value * tick / 100, 0))}{escape(unit)}</text>"
        )
    for i, lab in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 14}" text-anchor="middle">{escape(lab)}</text>')
    for k, (sname, values, targets) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        pts = [(x(i), y(v), v) for i, v in enumerate(values) if v is not None]
        if len(pts) > 1:
            d = " ".join(f"{px:.1f},{py:.1f}" for px, py, _v in pts)
            parts.append(f'<polyline class="line" points="{d}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for px, py, v in pts:
            parts.append(
                f'<circle class="point" data-series="{escape(sname)}" data-value="{v}" cx="{px:.1f}" cy="{py:.1f}" '
                f'r="4" fill="{color}"><title>{escape(sname)}: {escape(fmt_num(v))}{escape(unit)}</title></circle>'
            )
        if targets:
            tpts = [(x(i), y(t)) for i, t in enumerate(targets) if t is not None]
            if tpts:
                d = " ".join(f"{px:.1f},{py:.1f}" for px, py in tpts)
                if len(tpts) == 1:
                    d = f"{tpts[0][0] - 10:.1f},{tpts[0][1]:.1f} {tpts[0][0] + 10:.1f},{tpts[0][1]:.1f}"
                parts.append(
                    f'<polyline class="target" points="{d}" fill="none" stroke="{color}" stroke-width="1.5" '
                    f'stroke-dasharray="6 4"/>'
                )
        ly = top + 14 + k * 34
        parts.append(
            f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" stroke="{color}" stroke-width="3"/>'
        )
        parts.append(f'<text x="{left + pw + 36}" y="{ly + 4}">{escape(sname)}</text>')
        parts.append(
            f'<line x1="{left + pw + 12}" y1="{ly + 14}" x2="{left + pw + 32}" y2="{ly + 14}" stroke="{color}" '
            f'stroke-dasharray="6 4"/>'
        )
        parts.append(f'<text x="{left + pw + 36}" y="{ly + 18}" fill="#666">chỉ tiêu</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
