"""The plan's KPIs, computed from the catalog against the plan's targets (``catalog/data/kpi.toml``).

Every figure comes from records the pipeline and the lookup API already write; nothing is counted by hand:

* **digitization rate** of still-valid results, per agency and level: results (``documents.kind = result``,
  archived or in review, still valid at the end of the period) digitized by the agency since the plan's start,
  over the still-valid results the agency holds on paper (``agency_years.results_on_paper``, entered with
  ``sohoa targets set`` or imported; the latest year entered up to the period's year is used);
* **reuse rate**: of the dossiers received in the period, the share for which at least one required paper was
  satisfied by a reuse check. A dossier is *received* when its code (``<agency>-<YYMMDD>-<NNNN>``) dates in the
  period and it is in the catalog or named as the purpose of a reuse check; it is *reused* when a reuse-check
  event names it as purpose and reports at least one reusable paper (see :func:`reuse_found`);
* **dossiers and pages per staff member**, against the yearly target prorated to the period;
* review backlog and its age, OCR confidence, quarantine reasons, processing time (per stage when the runner
  recorded it), fixity and signature-renewal results (absent data is ``None``, never a zero).

Functions take the catalog, a :class:`Period` and :class:`Targets` and return plain, JSON-ready dicts, so the
dashboard, the reports and the nightly snapshot show the same numbers. The modules: ``periods`` (quarters and
years in the installation's time zone), ``targets`` (the plan's targets as data), ``scope`` (which agencies,
roll-up by level), ``figures`` (the plan's rates), ``operations`` (the office's own figures), ``report`` (all
of one period, with its trend).
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
