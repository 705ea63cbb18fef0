"""Figures of the office's operations: review backlog and its age, OCR confidence, quarantine reasons,
processing time per document and per stage, fixity and signature-renewal results."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from catalog.db import Catalog, Document, Event
from catalog.kpi.periods import Period
from catalog.kpi.scope import Scope, aware, events
from catalog.kpi.targets import Targets
from catalog.status import STAGES, Status

OCR_BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
AGE_BUCKETS = ((1, "< 1 ngày"), (7, "1–7 ngày"), (30, "7–30 ngày"), (None, "> 30 ngày"))


def review_backlog(catalog: Catalog, scope: Scope, now: datetime | None = None) -> dict[str, Any]:
    """Documents waiting for a clerk now, with their age in days (from when they were stored)."""
    now = now or datetime.now(UTC)
    with catalog.session() as s:
        rows = [
            (a, aware(t))
            for a, t in s.execute(
                select(Document.agency, func.coalesce(Document.archived_at, Document.created_at)).where(
                    Document.status == Status.NEEDS_REVIEW
                )
            )
            if scope.includes(a)
        ]
    ages = sorted(max(0.0, (now - t).total_seconds() / 86400) for _a, t in rows)
    buckets = []
    lo = 0.0
    for hi, label in AGE_BUCKETS:
        buckets.append({"label": label, "count": sum(1 for a in ages if a >= lo and (hi is None or a < hi))})
        lo = hi or lo
    by_agency = Counter(a for a, _t in rows)
    return {
        "as_of": now.isoformat(timespec="seconds"),
        "count": len(ages),
        "median_age_days": round(statistics.median(ages), 1) if ages else None,
        "oldest_age_days": round(ages[-1], 1) if ages else None,
        "buckets": buckets,
        "by_agency": [{"agency": a, "name": scope.name_of(a), "count": n} for a, n in sorted(by_agency.items())],
    }


def ocr_confidence(catalog: Catalog, period: Period, scope: Scope) -> dict[str, Any]:
    with catalog.session() as s:
        values = [
            c
            for a, c in s.execute(
                select(Document.agency, Document.ocr_confidence).where(
                    Document.ocr_confidence.is_not(None),
                    Document.archived_at >= period.start,
                    Document.archived_at < period.end,
                )
            )
            if scope.includes(a)
        ]
    bins = []
    for lo, hi in itertools.pairwise(OCR_BINS):
        label = f"{lo:.1f}–{min(hi, 1.0):.1f}"
        bins.append({"label": label, "count": sum(1 for v in values if lo <= v < hi)})
    return {
        "documents": len(values),
        "mean": round(statistics.fmean(values), 3) if values else None,
        "median": round(statistics.median(values), 3) if values else None,
        "bins": bins,
    }


def quarantine_reasons(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    reasons: Counter[str] = Counter()
    for e in events(catalog, targets.events.get("quarantined", ("quarantined",)), period.start, period.end):
        if scope.includes(e.agency):
            reasons[str((e.detail or {}).get("reason_code") or "unknown")] += 1
    return {
        "count": sum(reasons.values()),
        "reasons": [{"reason_code": r, "count": n} for r, n in reasons.most_common()],
    }


def processing_time(catalog: Catalog, period: Period, scope: Scope) -> dict[str, Any]:
    """Seconds from claim to catalog per document, and per stage where the runner recorded ``stage_timings``."""
    with catalog.session() as s:
        spans = [
            (aware(done) - aware(claimed)).total_seconds()
            for a, claimed, done in s.execute(
                select(Document.agency, Document.created_at, Document.archived_at).where(
                    Document.archived_at >= period.start, Document.archived_at < period.end
                )
            )
            if scope.includes(a)
        ]
    per_stage: dict[str, list[float]] = defaultdict(list)
    # One row per document: read only the stage numbers out of the JSON, in the database.
    cols = [Event.detail[("seconds", st)].as_float() for st in STAGES]
    q = select(Event.agency, *cols).where(
        Event.action == "stage_timings", Event.at >= period.start, Event.at < period.end
    )
    with catalog.session() as s:
        for agency, *secs in s.execute(q):
            if scope.includes(agency):
                for st, v in zip(STAGES, secs, strict=True):
                    if v is not None:
                        per_stage[st].append(float(v))
    return {
        "documents": len(spans),
        "median_seconds": round(statistics.median(spans), 2) if spans else None,
        "p90_seconds": round(_quantile(spans, 0.9), 2) if spans else None,
        "stages": [
            {
                "stage": st,
                "documents": len(v),
                "median_seconds": round(statistics.median(v), 3),
                "p90_seconds": round(_quantile(v, 0.9), 3),
            }
            for st, v in per_stage.items()
        ]
        or None,
    }


def _quantile(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))]


def preservation(catalog: Catalog, period: Period, targets: Targets, scope: Scope) -> dict[str, Any]:
    """Fixity audit and signature/timestamp renewal results from the nightly jobs' events (None = no run)."""
    out: dict[str, Any] = {}
    for name in ("fixity", "renewal"):
        ok = [e for e in events(catalog, targets.events.get(f"{name}_ok", ()), period.start, period.end)]
        bad = [e for e in events(catalog, targets.events.get(f"{name}_failed", ()), period.start, period.end)]
        ok = [e for e in ok if e.agency is None or scope.includes(e.agency)]
        bad = [e for e in bad if e.agency is None or scope.includes(e.agency)]
        if not ok and not bad:
            out[name] = None
            continue
        n_ok = sum(int((e.detail or {}).get("count", 1)) for e in ok)
        n_bad = sum(int((e.detail or {}).get("count", 1)) for e in bad)
        last = max((aware(e.at) for e in ok + bad), default=None)
        out[name] = {"ok": n_ok, "failed": n_bad, "last_run": last.isoformat(timespec="seconds") if last else None}
    return out
