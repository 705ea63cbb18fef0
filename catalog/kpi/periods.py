"""KPI periods: a quarter (``2026Q4``) or a year (``2026``), in the installation's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from catalog.errors import InvalidCode

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
_PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:-?Q(?P<q>[1-4]))?$", re.I)


@dataclass(frozen=True, slots=True)
class Period:
    """A quarter (``2026Q4``) or a year (``2026``) in the time zone ``tz``; ``end`` is exclusive."""

    year: int
    quarter: int | None = None
    tz: str = DEFAULT_TZ
    """The time zone whose midnights bound the period (the application's ``timezone`` setting)."""

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def label_vi(self) -> str:
        return f"Quý {_roman(self.quarter)}/{self.year}" if self.quarter else f"Năm {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def end_day(self) -> date:
        """First day after the period."""
        if not self.quarter or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.quarter + 1, 1)

    @property
    def months(self) -> int:
        return 3 if self.quarter else 12

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, datetime.min.time(), ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_day, datetime.min.time(), ZoneInfo(self.tz)).astimezone(UTC)

    def previous(self) -> Period:
        if not self.quarter:
            return Period(self.year - 1, tz=self.tz)
        if self.quarter > 1:
            return Period(self.year, self.quarter - 1, self.tz)
        return Period(self.year - 1, 4, self.tz)

    def quarters(self) -> list[Period]:
        return [self] if self.quarter else [Period(self.year, q, self.tz) for q in range(1, 5)]


def _roman(n: int | None) -> str:
    return {1: "I", 2: "II", 3: "III", 4: "IV"}.get(n or 0, "")


def parse_period(text: str, tz: str = DEFAULT_TZ) -> Period:
    m = _PERIOD_RE.match(text.strip())
    if not m or not 2000 <= int(m["y"]) <= 2100:
        raise InvalidCode(
            f"period {text!r} must be a quarter like 2026Q4 or a year like 2026",
            f"kỳ {text!r} phải là quý (vd. 2026Q4) hoặc năm (vd. 2026)",
        )
    return Period(int(m["y"]), int(m["q"]) if m["q"] else None, tz)


def current_period(now: datetime | None = None, tz: str = DEFAULT_TZ) -> Period:
    d = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()
    return Period(d.year, (d.month - 1) // 3 + 1, tz)


def trend_periods(period: Period, n: int = 4) -> list[Period]:
    """The quarters shown as a trend: the year's four for a year, else the last ``n`` ending at the period."""
    if not period.quarter:
        return period.quarters()
    out = [period]
    while len(out) < n:
        out.insert(0, out[0].previous())
    return out
