"""``sohoa targets``, ``sohoa report``, ``sohoa kpi`` and ``sohoa nightly kpi`` as a clerk runs them."""

from __future__ import annotations

import json
from pathlib import Path

from catalog.db import Catalog
from catalog.kpi import compute_report, parse_period
from catalog.kpi_db import latest_snapshot
from tests.integration.helpers import cli as cli_subprocess
from tests.kpi_seed import D, P, seed_kpi


class Result:
    def __init__(self, r) -> None:
        self.returncode, self.stdout, self.stderr = r.exit_code, r.stdout, r.stderr


def cli(home: Path, *args: str, check: bool = False) -> Result:
    """In-process (the machine is shared; a subprocess per call costs seconds of imports)."""
    import os

    from typer.testing import CliRunner

    from pipeline.cli import app

    os.environ["SOHOA_HOME"] = str(home)
    try:
        r = Result(CliRunner().invoke(app, list(args), catch_exceptions=False))
    finally:
        del os.environ["SOHOA_HOME"]
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def cli_json(home: Path, *args: str) -> tuple[int, object]:
    r = cli(home, *args)
    return r.returncode, json.loads(r.stdout)


def test_targets_import_set_and_list(home: Path, tmp_path: Path):
    good = tmp_path / "targets.csv"
    good.write_text(
        "\ufeffagency;year;results_on_paper;staff;name;level;org_type\n"
        f"{P};2024;1200;12;Trung tâm Phục vụ hành chính công tỉnh;province;state\n"
        f"{D};2024;800;;UBND huyện Hoa Lư;district;\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(f"agency,year,results_on_paper,name,level\n{P},2024,5,X,province\n{D},2024,5,Y,ward\n")
    proc = cli(home, "targets", "import", str(bad))
    assert proc.returncode == 3 and "bad.csv dòng 3" in proc.stderr  # nothing written: all or nothing
    rc, rows = cli_json(home, "targets", "list", "--json")
    assert rc == 0 and rows == []

    cli(home, "targets", "import", str(good), check=True)
    cli(home, "targets", "set", "--agency", D, "--year", "2024", "--staff", "5", check=True)
    cli(home, "targets", "operator", "bd01", "--agency", P, "--organisation", "Bưu điện", "--org-type", "postal",
        check=True)  # fmt: skip
    rc, rows = cli_json(home, "targets", "list", "--json")
    got = {r["code"]: (r["level"], r["years"]["2024"]) for r in rows}
    assert got == {
        P: ("province", {"results_on_paper": 1200, "staff": 12}),
        D: ("district", {"results_on_paper": 800, "staff": 5}),
    }
    proc = cli(home, "targets", "set", "--agency", "000.00.99.H42", "--year", "2024", "--results-on-paper", "1")
    assert proc.returncode == 10 and "chưa được khai báo" in proc.stderr


def test_report_kpi_and_nightly_snapshot(home: Path, tmp_path: Path):
    from openpyxl import load_workbook

    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    seed_kpi(catalog)
    expected = compute_report(catalog, parse_period("2024Q4"))

    rc, data = cli_json(home, "report", "--quarter", "2024Q4", "--format", "json")
    assert rc == 0 and data["digitization"] == expected["digitization"] and data["reuse"] == expected["reuse"]
    out = tmp_path / "r" / "q4.xlsx"
    cli(home, "report", "--quarter", "2024Q4", "--agency", D, "--format", "xlsx", "--out", str(out), check=True)
    assert [r[1] for r in load_workbook(out)["Số hóa"].iter_rows(min_row=2, max_row=2, values_only=True)] == [D]
    html = cli(home, "report", "--quarter", "2024Q4", "--format", "html", check=True).stdout
    assert "Tỷ lệ tái sử dụng" in html and "@media print" in html

    rc, h = cli_json(home, "kpi", "--quarter", "2024Q4", "--json")
    assert (h["digitization_rate"], h["reuse_rate"], h["dossiers_per_staff"]) == (16.7, 50.0, 1.5)
    text = cli_subprocess(home, "kpi", "--quarter", "2024Q4", check=True).stdout  # the real entry point
    assert "Tỷ lệ số hóa" in text and "12,5 %" in text

    proc = cli(home, "nightly", "kpi", "--quarter", "2024Q4", "--json", check=True)
    assert json.loads(proc.stdout)[0]["summary"]["2024Q4"]["reuse_rate"] == 50.0
    _at, snap = latest_snapshot(catalog, "2024Q4")
    assert snap["reuse"] == expected["reuse"]
    assert cli(home, "report", "--quarter", "2024Q5").returncode == 3
    catalog.close()


def test_pdf_report(home: Path, tmp_path: Path):
    import subprocess

    from catalog.dashboard.pdf import find_browser
    from tests.servers import unavailable

    if find_browser() is None:
        unavailable("headless Chromium not installed (apt install chromium)")
    catalog = Catalog(f"sqlite:///{home / 'catalog.db'}")
    seed_kpi(catalog)
    catalog.close()
    out = tmp_path / "q4.pdf"
    cli(home, "report", "--quarter", "2024Q4", "--format", "pdf", "--out", str(out), check=True)
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert "Tỷ lệ tái sử dụng" in text and "12,5 %" in text


def test_the_2025_map_office_figures_and_state_periods(home: Path, tmp_path: Path):
    commune, new = "000.05.16.H42", "000.40.16.H42"
    cli(home, "targets", "agency", D, "--name", "UBND huyện Hoa Lư", "--level", "district", check=True)
    cli(home, "targets", "agency", commune, "--name", "UBND xã Ninh Hải", "--level", "commune",
        "--valid-to", "2025-06-30", "--merged-into", new, check=True)  # fmt: skip
    cli(home, "targets", "agency", new, "--name", "UBND xã Hoa Lư", "--level", "commune",
        "--valid-from", "2025-07-01", "--remote", check=True)  # fmt: skip
    proc = cli(home, "targets", "map")
    assert proc.returncode == 0 and D in proc.stdout  # the district closed on 30 June 2025
    _rc, rows = cli_json(home, "targets", "list", "--json")
    got = {r["code"]: (r["valid_from"], r["valid_to"], r["merged_into"], r["remote"]) for r in rows}
    assert got[D] == (None, "2025-06-30", "000.00.00.H42", False)
    assert got[commune] == (None, "2025-06-30", new, False) and got[new] == ("2025-07-01", None, None, True)
    assert got["000.00.00.H42"] == (None, None, None, False)  # the bundled province
    bad = cli(home, "targets", "agency", new, "--name", "X", "--level", "commune", "--valid-from", "1/7/2025")
    assert bad.returncode != 0

    figures = tmp_path / "queue.csv"
    figures.write_text(
        "agency,kind,day_from,day_to,count,total\n"
        f"{new},waiting,2026-10-01,2026-10-31,100,1200\n"
        f"{new},waiting,2026-12-01,2026-12-31,30,300\n"
        f"{new},satisfaction,2026-10-01,2026-10-31,40,39\n"
    )
    cli(home, "targets", "figures", str(figures), check=True)
    worse = tmp_path / "bad.csv"
    worse.write_text(f"agency,kind,day_from,day_to,count,total\n{new},satisfaction,2026-10-01,2026-10-31,4,5\n")
    proc = cli(home, "targets", "figures", str(worse))
    assert proc.returncode != 0 and "bad.csv dòng 2" in proc.stderr

    _rc, data = cli_json(home, "report", "--quarter", "2026Q4", "--format", "json")
    assert data["levels"] == ["province", "commune"] and data["period_rule"] == "calendar"
    wait = {r["agency"]: r for r in data["waiting"]["by_agency"]}
    assert (wait[new]["count"], wait[new]["value"], wait[new]["met"]) == (130, 11.5, True)
    sat = {r["agency"]: r for r in data["satisfaction"]["by_agency"]}
    assert (sat[new]["value"], sat[new]["met"]) == (97.5, True)
    _rc, data = cli_json(home, "report", "--quarter", "2026Q4", "--rule", "state", "--format", "json")
    assert (data["period"], data["from"], data["to"]) == ("2026Q4s", "2026-09-15", "2026-12-14")
    wait = {r["agency"]: r for r in data["waiting"]["by_agency"]}
    assert (wait[new]["count"], wait[new]["value"]) == (100, 12.0)  # December's span crosses the period's end
    proc = cli(home, "kpi", "--quarter", "2026Q4", "--rule", "state")
    assert proc.returncode == 0 and "Kỳ báo cáo nhà nước" in proc.stdout
