"""KPI periods: a quarter (``2026Q4``) or a year (``2026``), in the installation's time zone, by one of two rules:

* ``calendar``: calendar quarters and years (1 October – 31 December);
* ``state``: the state reporting periods — a quarter runs from the 15th of the month before it to the 14th of its
  last month (``2026Q4s``: 15 September – 14 December), a year from 15 December of the year before to 14 December,
  so that the report can be sent before the 15th of the quarter's last month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from catalog.errors import InvalidCode

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
_PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:-?Q(?P<q>[1-4]))?(?P<s>s)?$", re.I)
RULES = ("calendar", "state")
RULE_VI = {"calendar": "Quý/năm dương lịch", "state": "Kỳ báo cáo nhà nước (15 tháng trước – 14 tháng cuối quý)"}


@dataclass(frozen=True, slots=True)
class Period:
    """A quarter (``2026Q4``) or a year (``2026``) in the time zone ``tz``; ``end`` is exclusive."""

    year: int
    quarter: int | None = None
    tz: str = DEFAULT_TZ
    """The time zone whose midnights bound the period (the application's ``timezone`` setting)."""
    rule: str = "calendar"
    """``calendar`` or ``state`` (the state reporting periods, 15th to 14th)."""

    @property
    def label(self) -> str:
        base = f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)
        return base + ("s" if self.rule == "state" else "")

    @property
    def label_vi(self) -> str:
        base = f"Quý {_roman(self.quarter)}/{self.year}" if self.quarter else f"Năm {self.year}"
        if self.rule == "state":
            last = self.end_day - timedelta(days=1)
            base += f" (kỳ báo cáo {self.first_day:%d/%m/%Y}–{last:%d/%m/%Y})"
        return base

    @property
    def first_day(self) -> date:
        month = 3 * (self.quarter - 1) + 1 if self.quarter else 1
        if self.rule == "state":  # the 15th of the month before
            return date(self.year - 1, 12, 15) if month == 1 else date(self.year, month - 1, 15)
        return date(self.year, month, 1)

    @property
    def end_day(self) -> date:
        """First day after the period."""
        if self.rule == "state":  # the day after the 14th of the last month
            return date(self.year, 3 * self.quarter if self.quarter else 12, 15)
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
            return Period(self.year - 1, tz=self.tz, rule=self.rule)
        if self.quarter > 1:
            return Period(self.year, self.quarter - 1, self.tz, self.rule)
        return Period(self.year - 1, 4, self.tz, self.rule)

    def quarters(self) -> list[Period]:
        return [self] if self.quarter else [Period(self.year, q, self.tz, self.rule) for q in range(1, 5)]


def _roman(n: int | None) -> str:
    return {1: "I", 2: "II", 3: "III", 4: "IV"}.get(n or 0, "")


def parse_period(text: str, tz: str = DEFAULT_TZ, rule: str | None = None) -> Period:
    """``2026Q4`` / ``2026`` (by ``rule``, calendar when not given) or ``2026Q4s`` / ``2026s`` (state periods)."""
    m = _PERIOD_RE.match(text.strip())
    if not m or not 2000 <= int(m["y"]) <= 2100:
        raise InvalidCode(
            f"period {text!r} must be a quarter like 2026Q4 or a year like 2026 (2026Q4s: state reporting period)",
            f"kỳ {text!r} phải là quý (vd. 2026Q4) hoặc năm (vd. 2026); 2026Q4s: kỳ báo cáo nhà nước",
        )
    rule = "state" if m["s"] else check_rule(rule or "calendar")
    return Period(int(m["y"]), int(m["q"]) if m["q"] else None, tz, rule)


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise InvalidCode(
            f"period rule must be one of {', '.join(RULES)}", f"cách tính kỳ phải là một trong {', '.join(RULES)}"
        )
    return rule


def current_period(now: datetime | None = None, tz: str = DEFAULT_TZ, rule: str = "calendar") -> Period:
    d = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz)).date()
    if rule == "state":  # from the 15th of a quarter's last month the next state quarter runs
        q = (d.month - 1) // 3 + 1
        if d.month % 3 == 0 and d.day >= 15:
            return Period(d.year + 1, 1, tz, rule) if q == 4 else Period(d.year, q + 1, tz, rule)
        return Period(d.year, q, tz, rule)
    return Period(d.year, (d.month - 1) // 3 + 1, tz)


def trend_periods(period: Period, n: int = 4) -> list[Period]:
    """The quarters shown as a trend: the year's four for a year, else the last ``n`` ending at the period."""
    if not period.quarter:
        return period.quarters()
    out = [period]
    while len(out) < n:
        out.insert(0, out[0].previous())
    return out
