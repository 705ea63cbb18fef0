"""Which agencies a figure covers (all, one level, one agency), the roll-up of agency rows into levels, and the
small readers every figure shares (UTC-aware times, a dossier code's day, events, reuse-check results)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from catalog.codes import DOSSIER_CODE_RE
from catalog.db import Catalog, Event
from catalog.errors import InvalidCode
from catalog.kpi_db import LEVEL_VI, LEVELS, AgencyInfo, list_agencies

_RESULT_RE = re.compile(r"^(\d+)\s*/\s*(\d+)\b")


def pct(num: int | float, den: int | float | None) -> float | None:
    if not den:
        return None
    return round(100.0 * num / den, 1)


def infer_level(code: str) -> str:
    """Level from the agency code's shape (``000.ZZ.YY.H42``): a fallback for agencies not registered."""
    parts = code.split(".")
    if len(parts) == 4 and parts[1] != "00":
        return "commune"
    if len(parts) == 4 and parts[2] != "00":
        return "district"
    return "province"


@dataclass(frozen=True, slots=True)
class Scope:
    """The agencies a figure covers: all, one level, or one agency; ``levels``: the levels in force during the
    period (three before 1 July 2025, two since — :class:`catalog.kpi.targets.LevelMap`)."""

    agencies: dict[str, AgencyInfo]
    level: str | None = None
    agency: str | None = None
    levels: tuple[str, ...] = LEVELS

    def for_period(self, levels: tuple[str, ...]) -> Scope:
        return Scope(self.agencies, self.level, self.agency, levels)

    def existing(self, first: date, last: date) -> list[str]:
        """Codes of the agencies in scope that existed on some day of ``first``..``last`` (inclusive)."""
        lo, hi = first.isoformat(), last.isoformat()
        return [c for c, a in self.agencies.items() if self.includes(c) and a.exists_during(lo, hi)]

    def successor(self, code: str, day: date) -> str:
        """The agency that carries ``code``'s work on ``day``: itself while it exists, else its successor (the
        ``merged_into`` chain), so a merged commune's history counts for the commune it became part of."""
        seen = set()
        iso = day.isoformat()
        while code not in seen:
            seen.add(code)
            a = self.agencies.get(code)
            if a is None or a.valid_to is None or a.valid_to >= iso or not a.merged_into:
                return code
            code = a.merged_into
        return code

    def predecessors(self, code: str) -> list[str]:
        """Agencies merged into ``code`` (directly or through others)."""
        out, todo = [], [code]
        while todo:
            c = todo.pop()
            for a in self.agencies.values():
                if a.merged_into == c and a.code not in out and a.code != code:
                    out.append(a.code)
                    todo.append(a.code)
        return out

    def includes(self, code: str | None) -> bool:
        if code is None:
            return False
        if self.agency:
            return code == self.agency
        if self.level:
            return self.level_of(code) == self.level
        return True

    def level_of(self, code: str) -> str:
        a = self.agencies.get(code)
        if a:
            return a.level
        level = infer_level(code)
        # a level-2 code (000.00.YY.H42) names a district or a provincial department; with no district level
        # in force (since 1 July 2025) an unregistered one can only be the province's
        return "province" if level == "district" and "district" not in self.levels else level

    def name_of(self, code: str) -> str:
        a = self.agencies.get(code)
        return a.name if a else code


def make_scope(catalog: Catalog, level: str | None = None, agency: str | None = None) -> Scope:
    if level and level not in LEVELS:
        raise InvalidCode(f"level must be one of {', '.join(LEVELS)}", f"cấp phải là một trong {', '.join(LEVELS)}")
    return Scope({a.code: a for a in list_agencies(catalog)}, level, agency)


def by_levels(
    rows: list[dict],
    num: str,
    den: str,
    target: Callable[[str], float | None],
    scope: Scope,
    direction: str = "min",
) -> list[dict[str, Any]]:
    """Agency rows rolled up per level in force: the rate over the agencies that have a denominator."""
    out = []
    for level in scope.levels:
        if scope.level and level != scope.level:
            continue
        sel = [r for r in rows if r["level"] == level]
        counted = [r for r in sel if r[den]]
        n, d = sum(r[num] for r in counted), sum(r[den] for r in counted)
        rate = pct(n, d)
        t = target(level)
        out.append(
            {
                "level": level,
                "level_vi": LEVEL_VI[level],
                "agencies": len(sel),
                num: sum(r[num] for r in sel),
                den: d if counted or den in ("received", "resolved", "offices") else None,
                "rate": rate,
                "target": t,
                "met": None if rate is None or t is None else (rate <= t if direction == "max" else rate >= t),
            }
        )
    return out


def aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def dossier_day(code: str) -> date | None:
    m = DOSSIER_CODE_RE.match(code or "")
    if not m:
        return None
    s = m["yymmdd"]
    try:
        return date(2000 + int(s[:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        return None


def reuse_found(detail: dict[str, Any]) -> bool:
    """Whether a reuse-check event satisfied at least one required paper (the contract with the lookup API).

    The lookup API (``catalog.audit``) records ``access.reuse_check`` events whose ``detail`` holds
    ``purpose`` (the dossier code, from ``X-Purpose``) and ``result`` = ``"<reusable>/<required> reusable"``.
    Also read, for other writers: ``reused`` / ``reusable`` (number of papers found reusable), ``share`` /
    ``reusable_share`` (fraction of the dossier's papers that need not be submitted), or a ``result`` of
    ``full`` / ``partial`` / ``reusable`` / ``found``.
    """
    for k in ("reused", "reusable"):
        v = detail.get(k)
        if isinstance(v, bool):
            return v
        if isinstance(v, int | float):
            return v > 0
        if isinstance(v, list):
            return len(v) > 0
    for k in ("share", "reusable_share", "share_not_required"):
        v = detail.get(k)
        if isinstance(v, int | float):
            return v > 0
    result = str(detail.get("result") or "").strip().lower()
    m = _RESULT_RE.match(result)
    if m:
        return int(m[1]) > 0
    return result in ("full", "partial", "reusable", "found")


def events(catalog: Catalog, actions: Iterable[str], start: datetime | None, end: datetime | None) -> list[Event]:
    actions = tuple(actions)
    if not actions:
        return []
    q = select(Event).where(Event.action.in_(actions))
    if start is not None:
        q = q.where(Event.at >= start)
    if end is not None:
        q = q.where(Event.at < end)
    with catalog.session() as s:
        return list(s.scalars(q.order_by(Event.id)))
