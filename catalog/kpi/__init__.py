"""The plan's KPIs, computed from the catalog against the plan's targets (``catalog/data/kpi.toml``), by the plan's
own years and the administrative map of each period.

* **digitization** of still-valid results, credited to the authority that issued them (``catalog.authority``) and
  carried to its successor after a merger, over the results that authority holds on paper;
* **resolved**: registered dossiers resolved successfully whose result is digitized, signed and stored;
* **reuse**: registered dossiers (``catalog.registered``, from the one-stop system) with at least one required
  paper found reusable by a reuse check that counts, over all registered dossiers of the period;
* **roll-out**, **waiting time**, **satisfaction** (imported, ``catalog.service_figures``) and **per staff**
  (with each clerk's detail);
* review backlog and its age, OCR confidence, quarantine reasons, processing time, fixity and signature renewal.

Absent data is ``None`` ("—"), never a zero. Functions take the catalog, a :class:`Period` (calendar or state
reporting rule) and :class:`Targets` and return plain, JSON-ready dicts, so the dashboard, the reports and the
nightly snapshot show the same numbers. The modules: ``periods``, ``targets`` (every target as data, the levels
per period), ``scope`` (agencies in force, successors, roll-up by level), ``figures``, ``operations``, ``report``.
"""

from __future__ import annotations

from catalog.kpi.figures import digitization, per_staff, registered_by_period, resolved, reuse, rollout, service
from catalog.kpi.operations import ocr_confidence, preservation, processing_time, quarantine_reasons, review_backlog
from catalog.kpi.periods import DEFAULT_TZ, RULES, Period, current_period, parse_period, trend_periods
from catalog.kpi.report import compute_report, overall, period_scope, refresh, snapshot_figures, trend
from catalog.kpi.scope import Scope, infer_level, make_scope, reuse_found
from catalog.kpi.targets import Targets, load_targets
from catalog.kpi_db import LEVELS

__all__ = [
    "DEFAULT_TZ",
    "LEVELS",
    "RULES",
    "Period",
    "Scope",
    "Targets",
    "compute_report",
    "current_period",
    "digitization",
    "infer_level",
    "load_targets",
    "make_scope",
    "ocr_confidence",
    "overall",
    "parse_period",
    "per_staff",
    "period_scope",
    "preservation",
    "processing_time",
    "quarantine_reasons",
    "refresh",
    "registered_by_period",
    "resolved",
    "reuse",
    "reuse_found",
    "review_backlog",
    "rollout",
    "service",
    "snapshot_figures",
    "trend",
    "trend_periods",
]
