"""The registry of nightly jobs and the ``sohoa nightly`` group that runs all of them in order."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from pipeline.deps import Deps


@dataclass
class JobReport:
    """What one job did: ``ok`` is False when it found a problem a person must look at."""

    name: str
    ok: bool = True
    summary: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None


JobFn = Callable[["Deps"], JobReport]


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFn
    order: int  # lower runs first: repair before audit, audit before the KPI snapshot


JOBS: dict[str, Job] = {}

nightly_app = typer.Typer(
    help="Việc chạy hằng đêm / nightly jobs (không tham số: chạy tất cả / no argument: run all)",
    invoke_without_command=True,
    add_completion=False,
)


def job(name: str, order: int = 50) -> Callable[[JobFn], JobFn]:
    """Register ``fn(deps) -> JobReport`` as the nightly job ``name`` (run with its default options)."""

    def register(fn: JobFn) -> JobFn:
        if name in JOBS:
            raise ValueError(f"nightly job {name!r} registered twice")
        JOBS[name] = Job(name, fn, order)
        return fn

    return register


def run_jobs(deps: Deps, names: list[str] | None = None) -> list[JobReport]:
    """Run the named jobs (all by default) in order; one job failing never stops the others."""
    selected = sorted((JOBS[n] for n in names) if names else JOBS.values(), key=lambda j: (j.order, j.name))
    reports = []
    for j in selected:
        t0 = time.monotonic()
        try:
            report = j.fn(deps)
        except Exception as e:  # a job's crash is reported, the night goes on
            report = JobReport(j.name, ok=False, error=f"{type(e).__name__}: {e}")
        report.seconds = round(time.monotonic() - t0, 3)
        reports.append(report)
    return reports
