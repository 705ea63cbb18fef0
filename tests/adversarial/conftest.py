"""The standing bad-input and attack suite (issue 23): every test here is one kind of bad input or attack, each
asserting the expected outcome (reason, exit code or HTTP status, bytes kept, batch continued, nothing archived
twice). At the end of the run one line says how many kinds were tried and how many held."""

from __future__ import annotations

import pytest

_RESULTS: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/adversarial/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _RESULTS[report.nodeid] = "held" if report.passed else ("skipped" if report.skipped else "broke")


def pytest_terminal_summary(terminalreporter) -> None:
    if not _RESULTS:
        return
    held = sum(1 for v in _RESULTS.values() if v == "held")
    broke = [k.split("::", 1)[-1] for k, v in _RESULTS.items() if v == "broke"]
    terminalreporter.write_line(
        f"adversarial suite: {len(_RESULTS)} kinds of bad input and attack tried, {held} held"
        + (f"; broke: {', '.join(broke)}" if broke else "")
    )
