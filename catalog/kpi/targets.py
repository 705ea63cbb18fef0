"""The plan's KPI targets, read from data (``catalog/data/kpi.toml`` or a province's own file).

Every target is a :class:`Schedule`: either a ramp (``first`` per level in ``start_year``, ``step`` points more
each year, never above ``cap``) or a table of years (a year's target is the one given for the latest year up
to it; before the first year there is none). A target may be a bound from above (``direction = "max"``: the
waiting time must stay *under* it). The administrative levels themselves are data per period
(:class:`LevelMap`): three levels (province, district, commune) before 1 July 2025, two (province, commune)
since.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from catalog.types import DATA_DIR

ALL_LEVELS = ("province", "district", "commune")


@dataclass(frozen=True)
class Schedule:
    """One target over the years, per level (``"*"``: every level)."""

    start_year: int | None = None
    first: dict[str, float] = field(default_factory=dict)
    step: float = 0.0
    cap: float = 100.0
    years: dict[int, dict[str, float]] = field(default_factory=dict)
    direction: str = "min"  # min: the figure must reach the target; max: it must stay at or under it
    exempt_remote: bool = False  # remote and especially difficult communes are exempt
    unit: str = "%"

    def value(self, level: str | None, year: int) -> float | None:
        if level is None:
            return None
        if self.start_year is not None and self.first:
            if year < self.start_year:
                return None
            base = self.first.get(level, self.first.get("*"))
            if base is None:
                return None
            return min(self.cap, base + self.step * (year - self.start_year))
        known = [y for y in self.years if y <= year]
        if not known:
            return None
        row = self.years[max(known)]
        v = row.get(level, row.get("*"))
        return None if v is None else float(v)

    def met(self, figure: float | None, target: float | None) -> bool | None:
        if figure is None or target is None:
            return None
        return figure <= target if self.direction == "max" else figure >= target

    def first_year(self) -> int | None:
        if self.start_year is not None and self.first:
            return self.start_year
        return min(self.years) if self.years else None


@dataclass(frozen=True)
class LevelMap:
    """The administrative levels in force on each day: ``(from, until, levels)`` spans (``until`` inclusive)."""

    spans: tuple[tuple[date | None, date | None, tuple[str, ...]], ...] = ((None, None, ALL_LEVELS),)

    def on(self, day: date) -> tuple[str, ...]:
        for lo, hi, levels in self.spans:
            if (lo is None or day >= lo) and (hi is None or day <= hi):
                return levels
        return ALL_LEVELS

    def during(self, first: date, last: date) -> tuple[str, ...]:
        """Levels in force at any time between ``first`` and ``last`` (inclusive), in the usual order."""
        seen: set[str] = set()
        for lo, hi, levels in self.spans:
            if (lo is None or lo <= last) and (hi is None or hi >= first):
                seen.update(levels)
        return tuple(lv for lv in ALL_LEVELS if lv in seen) or ALL_LEVELS


@dataclass(frozen=True)
class Targets:
    """The plan's targets, read from data (``catalog/data/kpi.toml`` or a province's own file)."""

    schedules: dict[str, Schedule]
    events: dict[str, tuple[str, ...]]
    levels: LevelMap = LevelMap()
    version: str = ""
    report_period: str = "calendar"  # calendar | state: the period rule of quarterly reports

    @property
    def start_year(self) -> int:
        """The plan's first year: digitization of still-valid results counts from 1 January of it."""
        return self.schedules["digitization"].first_year() or 2021

    def target(self, kpi: str, level: str | None, year: int) -> float | None:
        s = self.schedules.get(kpi)
        return s.value(level, year) if s else None

    def met(self, kpi: str, figure: float | None, target: float | None) -> bool | None:
        s = self.schedules.get(kpi)
        return s.met(figure, target) if s else None

    def exempt(self, kpi: str) -> bool:
        s = self.schedules.get(kpi)
        return bool(s and s.exempt_remote)

    def digitization(self, level: str | None, year: int) -> float | None:
        return self.target("digitization", level, year)

    def reuse(self, level: str | None, year: int) -> float | None:
        return self.target("reuse", level, year)

    def dossiers_per_staff(self, level: str | None, year: int | None = None) -> float | None:
        s = self.schedules.get("per_staff")
        if s is None or level is None:
            return None
        if year is None:  # the target as set, whatever the year
            year = max(s.years) if s.years else 9999
        return s.value(level, year)


def _levels(row: Any) -> dict[str, float]:
    if isinstance(row, dict):
        return {str(k): float(v) for k, v in row.items()}
    return {"*": float(row)}


def _schedule(d: dict[str, Any]) -> Schedule:
    if "first" in d:
        return Schedule(
            start_year=int(d["start_year"]),
            first=_levels(d["first"]),
            step=float(d.get("step", 0.0)),
            cap=float(d.get("cap", 100.0)),
            direction=str(d.get("direction", "min")),
            exempt_remote=bool(d.get("exempt_remote", False)),
            unit=str(d.get("unit", "%")),
        )
    years = {int(y): _levels(v) for y, v in d["years"].items()}
    if not years:
        raise ValueError("a target needs `first` or at least one year")
    direction = str(d.get("direction", "min"))
    if direction not in ("min", "max"):
        raise ValueError(f"direction must be min or max, not {direction!r}")
    return Schedule(
        years=years,
        direction=direction,
        exempt_remote=bool(d.get("exempt_remote", False)),
        unit=str(d.get("unit", "%")),
    )


def _level_map(rows: list[dict[str, Any]]) -> LevelMap:
    spans = []
    for r in rows:
        levels = tuple(r["levels"])
        bad = set(levels) - set(ALL_LEVELS)
        if bad:
            raise ValueError(f"unknown levels {sorted(bad)}")
        lo = date.fromisoformat(r["from"]) if r.get("from") else None
        hi = date.fromisoformat(r["until"]) if r.get("until") else None
        spans.append((lo, hi, levels))
    return LevelMap(tuple(spans)) if spans else LevelMap()


KPI_NAMES = ("digitization", "resolved", "reuse", "rollout", "waiting", "satisfaction", "per_staff")


@functools.cache
def _read_targets(path: str) -> Targets:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        schedules = {k: _schedule(data[k]) for k in KPI_NAMES if k in data}
        if "digitization" not in schedules:
            raise KeyError("digitization")
        report_period = str(data.get("report", {}).get("period", "calendar"))
        if report_period not in ("calendar", "state"):
            raise ValueError(f"report.period must be calendar or state, not {report_period!r}")
        return Targets(
            schedules=schedules,
            events={k: tuple(v) for k, v in data.get("events", {}).items()},
            levels=_level_map(data.get("levels", {}).get("periods", [])),
            version=str(data.get("version", "")),
            report_period=report_period,
        )
    except (OSError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as e:
        from catalog.errors import CatalogueDataError

        raise CatalogueDataError(
            f"KPI targets file {path} is invalid: {e}", f"tệp chỉ tiêu KPI {path} không hợp lệ: {e}"
        ) from e


def load_targets(path: str | Path | None = None) -> Targets:
    return _read_targets(str(path or DATA_DIR / "kpi.toml"))
