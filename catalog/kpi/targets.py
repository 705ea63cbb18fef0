"""The plan's KPI targets, read from data (``catalog/data/kpi.toml`` or a province's own file)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from catalog.types import DATA_DIR


@dataclass(frozen=True)
class Targets:
    """The plan's targets, read from data (``catalog/data/kpi.toml`` or a province's own file)."""

    start_year: int
    first: dict[str, float]
    step: float
    cap: float
    reuse_years: dict[int, dict[str, float]]
    per_staff: dict[str, int]
    events: dict[str, tuple[str, ...]]
    version: str = ""

    def digitization(self, level: str | None, year: int) -> float | None:
        if level not in self.first or year < self.start_year:
            return None
        return min(self.cap, self.first[level] + self.step * (year - self.start_year))

    def reuse(self, level: str | None, year: int) -> float | None:
        years = sorted(self.reuse_years)
        if not years or level is None or year < years[0]:
            return None
        if year >= years[-1]:
            return self.reuse_years[years[-1]].get(level)
        lo = max(y for y in years if y <= year)
        hi = min(y for y in years if y > year)
        a, b = self.reuse_years[lo].get(level), self.reuse_years[hi].get(level)
        if a is None or b is None:
            return a
        return round(a + (b - a) * (year - lo) / (hi - lo), 1)

    def dossiers_per_staff(self, level: str | None) -> int | None:
        return self.per_staff.get(level) if level else None


@functools.cache
def _read_targets(path: str) -> Targets:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        d, r, s = data["digitization"], data["reuse"], data["per_staff"]
        return Targets(
            start_year=int(d["start_year"]),
            first={k: float(v) for k, v in d["first"].items()},
            step=float(d["step"]),
            cap=float(d.get("cap", 100.0)),
            reuse_years={int(y): {k: float(v) for k, v in lv.items()} for y, lv in r["years"].items()},
            per_staff={k: int(v) for k, v in s["dossiers"].items()},
            events={k: tuple(v) for k, v in data.get("events", {}).items()},
            version=str(data.get("version", "")),
        )
    except (OSError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as e:
        from catalog.errors import CatalogueDataError

        raise CatalogueDataError(
            f"KPI targets file {path} is invalid: {e}", f"tệp chỉ tiêu KPI {path} không hợp lệ: {e}"
        ) from e


def load_targets(path: str | Path | None = None) -> Targets:
    return _read_targets(str(path or DATA_DIR / "kpi.toml"))
