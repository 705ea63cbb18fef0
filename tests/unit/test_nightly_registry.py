from __future__ import annotations

import pytest

from pipeline.nightly import registry
from pipeline.nightly.registry import JobReport, run_jobs


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setattr(registry, "JOBS", {})
    return registry.JOBS


def test_jobs_run_in_order_and_a_crash_does_not_stop_the_night(jobs):
    ran = []

    @registry.job("audit", order=20)
    def audit(deps):
        ran.append("audit")
        raise RuntimeError("store down")

    @registry.job("repair", order=10)
    def repair(deps):
        ran.append("repair")
        return JobReport("repair", summary={"repaired": 1})

    @registry.job("kpi", order=90)
    def kpi(deps):
        ran.append("kpi")
        return JobReport("kpi")

    reports = run_jobs(deps=None)
    assert ran == ["repair", "audit", "kpi"]
    assert [r.ok for r in reports] == [True, False, True]
    assert "store down" in reports[1].error
    assert [r.name for r in run_jobs(None, ["kpi"])] == ["kpi"]


def test_a_name_registered_twice_is_refused(jobs):
    registry.job("x")(lambda deps: JobReport("x"))
    with pytest.raises(ValueError):
        registry.job("x")(lambda deps: JobReport("x"))
