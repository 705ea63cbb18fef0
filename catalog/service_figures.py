"""Waiting time and satisfaction per office and period, imported from the queue-ticket and evaluation systems.

Neither figure is something the pipeline sees, so each office's systems report them: for a span of days
(``day_from``..``day_to``, inclusive), the number of visits with their total waiting minutes (``waiting``), or the
number of evaluations with how many were satisfied or very satisfied (``satisfaction``). A span sent again
replaces the earlier one (re-importing a file is harmless). The KPI of a period sums the spans that lie inside it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import DateTime, Float, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.codes import AGENCY_CODE_RE
from catalog.db import Base, Catalog, Event, utcnow
from catalog.errors import InvalidCode

KINDS = ("waiting", "satisfaction")
KIND_VI = {"waiting": "Thời gian chờ", "satisfaction": "Mức độ hài lòng"}


class OfficeFigure(Base):
    __tablename__ = "office_figures"
    agency: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # waiting | satisfaction
    day_from: Mapped[str] = mapped_column(String(10), primary_key=True)
    day_to: Mapped[str] = mapped_column(String(10), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)  # visits / evaluations
    total: Mapped[float] = mapped_column(Float)  # waiting minutes in all / evaluations satisfied
    source: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


@dataclass(frozen=True, slots=True)
class Figure:
    agency: str
    kind: str
    day_from: date
    day_to: date
    count: int
    total: float
    source: str | None = None


def check(
    agency: str, kind: str, day_from: str | date, day_to: str | date, count: int | str, total: float | str
) -> Figure:
    """One figure, checked: a known kind, a real span, counts that make sense (satisfied ≤ evaluations)."""
    agency = str(agency).strip()
    if not AGENCY_CODE_RE.match(agency):
        raise InvalidCode(f"agency code {agency!r} is not valid", f"mã cơ quan {agency!r} không hợp lệ")
    kind = str(kind).strip().lower()
    if kind not in KINDS:
        raise InvalidCode(f"kind must be one of {', '.join(KINDS)}", f"loại phải là một trong {', '.join(KINDS)}")
    try:
        lo = day_from if isinstance(day_from, date) else date.fromisoformat(str(day_from).strip())
        hi = day_to if isinstance(day_to, date) else date.fromisoformat(str(day_to).strip())
        n, t = int(count), float(total)
    except ValueError as e:
        raise InvalidCode(f"invalid value: {e}", f"giá trị không hợp lệ: {e}") from None
    if hi < lo:
        raise InvalidCode("day_to is before day_from", "ngày kết thúc trước ngày bắt đầu")
    if n < 0 or t < 0 or (kind == "satisfaction" and t > n):
        raise InvalidCode(
            "counts must not be negative, and satisfied evaluations cannot exceed evaluations",
            "số liệu không được âm, số đánh giá hài lòng không vượt quá tổng số đánh giá",
        )
    return Figure(agency, kind, lo, hi, n, t)


def put(catalog: Catalog, figures: list[Figure], *, source: str | None, actor: str) -> int:
    """Store the figures (a span sent again replaces the earlier one), all in one transaction."""
    with catalog.session() as s:
        for f in figures:
            key = (f.agency, f.kind, f.day_from.isoformat(), f.day_to.isoformat())
            row = s.get(OfficeFigure, key)
            if row is None:
                s.add(
                    OfficeFigure(
                        agency=f.agency,
                        kind=f.kind,
                        day_from=key[2],
                        day_to=key[3],
                        count=f.count,
                        total=f.total,
                        source=source,
                        updated_by=actor[:100],
                    )
                )
            else:
                row.count, row.total, row.source, row.updated_by = f.count, f.total, source, actor[:100]
        if figures:
            s.add(
                Event(actor=actor[:100], action="office_figures_set", detail={"rows": len(figures), "source": source})
            )
    return len(figures)


CSV_COLUMNS = ("agency", "kind", "day_from", "day_to", "count", "total")


def import_csv(catalog: Catalog, path: Path, *, actor: str = "system") -> int:
    """Import ``agency,kind,day_from,day_to,count,total`` rows (UTF-8, , or ;); one bad row rejects the file."""
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    missing = set(CSV_COLUMNS) - {(f or "").strip() for f in reader.fieldnames or ()}
    if missing:
        raise InvalidCode(
            f"{path.name}: missing columns {', '.join(sorted(missing))}",
            f"{path.name}: thiếu cột {', '.join(sorted(missing))}",
        )
    rows = []
    for line, raw in enumerate(reader, start=2):
        r = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            rows.append(check(*(r[c] for c in CSV_COLUMNS)))
        except InvalidCode as e:
            raise InvalidCode(f"{path.name} line {line}: {e}", f"{path.name} dòng {line}: {e.vi}") from e
    return put(catalog, rows, source=path.name[:100], actor=actor)


def in_span(catalog: Catalog, kind: str, first: date, last: date) -> dict[str, tuple[int, float]]:
    """agency -> (count, total) over the spans of ``kind`` lying within ``first``..``last`` (inclusive)."""
    out: dict[str, tuple[int, float]] = {}
    with catalog.session() as s:
        q = select(OfficeFigure.agency, OfficeFigure.count, OfficeFigure.total).where(
            OfficeFigure.kind == kind,
            OfficeFigure.day_from >= first.isoformat(),
            OfficeFigure.day_to <= last.isoformat(),
        )
        for agency, n, t in s.execute(q):
            c, tot = out.get(agency, (0, 0.0))
            out[agency] = (c + int(n), tot + float(t))
    return out
