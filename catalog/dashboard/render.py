"""One rendering of the KPI figures for every output: the dashboard page, the printable HTML report, CSV, xlsx.

All of them take the dict of :func:`catalog.kpi.compute_report`, so they always show the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from catalog.dashboard.charts import Bar, bar_chart, fmt_num, fmt_pct, line_chart
from catalog.kpi_db import LEVEL_VI, LEVELS, ORG_TYPE_VI

STAGE_VI = {
    "ingest": "Tiếp nhận tệp",
    "ocr": "Nhận dạng chữ (OCR)",
    "classify": "Phân loại, trích xuất",
    "codes": "Cấp mã",
    "pdf": "Tạo PDF/A",
    "sign": "Ký số",
    "store": "Lưu kho",
    "catalog": "Vào sổ",
}
REASON_VI = {"unknown": "không rõ"}


def _env() -> Environment:
    env = Environment(loader=PackageLoader("catalog.dashboard", "templates"), autoescape=select_autoescape())
    env.filters["pct"] = fmt_pct
    env.filters["num"] = fmt_num
    env.filters["level_vi"] = lambda v: LEVEL_VI.get(v, v or "—")
    env.filters["met"] = lambda v: (
        Markup('<span class="ok">đạt</span>')
        if v
        else (Markup('<span class="ko">chưa đạt</span>') if v is False else "—")
    )
    env.globals.update(LEVELS=LEVELS, LEVEL_VI=LEVEL_VI, ORG_TYPE_VI=ORG_TYPE_VI, STAGE_VI=STAGE_VI)
    return env


ENV = _env()


def headline(report: dict[str, Any]) -> dict[str, Any]:
    """The figures at the top of the page and of ``sohoa kpi``: totals over the agencies in scope."""
    from catalog.kpi import overall

    dig, reu, ps = report["digitization"], report["reuse"], report["per_staff"]
    staff = sum(r["staff"] or 0 for r in ps["by_agency"])
    dossiers = sum(r["dossiers"] for r in ps["by_agency"])
    return {
        "digitization_rate": overall(dig["by_agency"], "digitized", "on_paper"),
        "digitized": sum(r["digitized"] for r in dig["by_agency"] if r["on_paper"]),
        "on_paper": sum(r["on_paper"] or 0 for r in dig["by_agency"]) or None,
        "reuse_rate": overall(reu["by_agency"], "reused", "received"),
        "received": sum(r["received"] for r in reu["by_agency"]),
        "reused": sum(r["reused"] for r in reu["by_agency"]),
        "dossiers_per_staff": round(dossiers / staff, 1) if staff else None,
        "pages": sum(r["pages"] for r in ps["by_agency"]),
        "staff": staff or None,
        "review_backlog": report["review_backlog"]["count"],
    }


def trend_levels(report: dict[str, Any]) -> list[str]:
    """The levels that had figures in some quarter of the trend (a trend across 1 July 2025 shows the district
    level up to its end), narrowed to the level filter."""
    seen = {lv for t in report["trend"] for lv in t["digitization"]} | set(report.get("levels") or ())
    return [
        lv for lv in LEVELS if lv in seen and (not report["filters"].get("level") or lv == report["filters"]["level"])
    ]


def charts(report: dict[str, Any]) -> dict[str, Markup]:
    trend = report["trend"]
    labels = [t["period"] for t in trend]
    levels = trend_levels(report)

    def trend_series(key: str) -> list:
        return [
            (LEVEL_VI[lv], [t[key].get(lv) for t in trend], [t[f"{key}_target"].get(lv) for t in trend])
            for lv in levels
        ]

    dig, reu, ps, ops = report["digitization"], report["reuse"], report["per_staff"], report
    return {
        "digitization_trend": line_chart("digitization-trend", labels, trend_series("digitization")),
        "digitization_agencies": bar_chart(
            "digitization-by-agency",
            [Bar(r["name"], r["rate"], r["target"], r["agency"]) for r in dig["by_agency"]],
            max_value=100,
        ),
        "reuse_trend": line_chart("reuse-trend", labels, trend_series("reuse")),
        "reuse_agencies": bar_chart(
            "reuse-by-agency",
            [Bar(r["name"], r["rate"], r["target"], r["agency"]) for r in reu["by_agency"]],
            max_value=100,
        ),
        "staff_agencies": bar_chart(
            "dossiers-per-staff",
            [Bar(r["name"], r["dossiers_per_staff"], r["target"], r["agency"]) for r in ps["by_agency"]],
            unit=" hồ sơ/cán bộ",
        ),
        "review_backlog": bar_chart(
            "review-backlog",
            [Bar(b["label"], b["count"]) for b in ops["review_backlog"]["buckets"]],
            unit=" tài liệu",
            integer=True,
        ),
        "ocr_confidence": bar_chart(
            "ocr-confidence",
            [Bar(b["label"], b["count"]) for b in ops["ocr_confidence"]["bins"]],
            unit=" tài liệu",
            integer=True,
        ),
        "quarantine": bar_chart(
            "quarantine-reasons",
            [Bar(REASON_VI.get(r["reason_code"], r["reason_code"]), r["count"]) for r in ops["quarantine"]["reasons"]],
            unit=" mục",
            integer=True,
        ),
    }


def render_html(report: dict[str, Any], *, dashboard: dict[str, Any] | None = None) -> str:
    """The report page. ``dashboard`` (filters, choices, links) makes it the interactive dashboard."""
    return ENV.get_template("kpi.html").render(
        r=report,
        h=headline(report),
        c=charts(report),
        dashboard=dashboard,
        title=_title(report),
        TREND_LEVELS=trend_levels(report),
    )


def render_login(error: str | None = None, next_url: str = "/dashboard", csrf: str = "") -> str:
    return ENV.get_template("login.html").render(error=error, next_url=next_url, csrf=csrf)


def _title(report: dict[str, Any]) -> str:
    f = report["filters"]
    where = f.get("agency") or (LEVEL_VI.get(f.get("level") or "", "") if f.get("level") else "toàn tỉnh")
    return f"Báo cáo kết quả số hóa — {report['period_vi']} — {where}"


# --- tabular outputs ----------------------------------------------------------------------------------
COLUMNS = ("section", "scope", "code", "name", "level", "metric", "value", "target", "met")
SECTION_VI = {
    "digitization": "Tỷ lệ số hóa",
    "resolved": "Hồ sơ giải quyết được số hóa",
    "reuse": "Tỷ lệ tái sử dụng",
    "rollout": "Triển khai số hóa",
    "waiting": "Thời gian chờ",
    "satisfaction": "Mức độ hài lòng",
    "per_staff": "Hồ sơ/cán bộ",
    "review_backlog": "Tồn đọng kiểm tra",
    "ocr_confidence": "Độ tin cậy OCR",
    "quarantine": "Cách ly",
    "processing_time": "Thời gian xử lý",
    "preservation": "Bảo quản",
    "trend": "Xu hướng",
}


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as one long table (one figure a row), the shape of the CSV and of the xlsx 'Dữ liệu' sheet."""
    out: list[dict[str, Any]] = []

    def add(section, scope, code, name, level, metric, value, target=None, met=None):
        out.append(dict(zip(COLUMNS, (section, scope, code, name, level, metric, value, target, met), strict=True)))

    for sec, metrics in (
        ("digitization", (("rate", "rate"), ("digitized", None), ("on_paper", None))),
        ("resolved", (("rate", "rate"), ("digitized", None), ("resolved", None))),
        (
            "reuse",
            (
                ("rate", "rate"),
                ("received", None),
                ("reused", None),
                ("papers_share", None),
                ("papers_found", None),
                ("papers_required", None),
            ),
        ),
        ("waiting", (("value", "value"), ("count", None), ("total", None))),
        ("satisfaction", (("value", "value"), ("count", None), ("total", None))),
        (
            "per_staff",
            (
                ("dossiers_per_staff", "dossiers_per_staff"),
                ("pages_per_staff", None),
                ("dossiers", None),
                ("pages", None),
                ("staff", None),
            ),
        ),
    ):
        for scope in ("by_level", "by_agency"):
            for r in report[sec][scope]:
                code = r.get("agency") or r["level"]
                for m, targeted in metrics:
                    add(
                        sec,
                        scope[3:],
                        code,
                        r.get("name") or LEVEL_VI.get(r["level"], r["level"]),
                        r["level"],
                        m,
                        r.get(m),
                        r.get("target") if targeted else None,
                        r.get("met") if targeted else None,
                    )
    for r in report["rollout"]["by_level"]:
        name = LEVEL_VI.get(r["level"], r["level"])
        add("rollout", "level", r["level"], name, r["level"], "rate", r["rate"], r["target"], r["met"])
        add("rollout", "level", r["level"], name, r["level"], "running", r["running"])
        add("rollout", "level", r["level"], name, r["level"], "offices", r["offices"])
    for c in report["per_staff"].get("by_clerk", ()):
        add("per_staff", "clerk", c["operator"], c["agency"], None, "pages", c["pages"])
    rb = report["review_backlog"]
    add("review_backlog", "all", None, None, None, "count", rb["count"])
    add("review_backlog", "all", None, None, None, "median_age_days", rb["median_age_days"])
    add("review_backlog", "all", None, None, None, "oldest_age_days", rb["oldest_age_days"])
    for b in rb["buckets"]:
        add("review_backlog", "bucket", b["label"], None, None, "count", b["count"])
    oc = report["ocr_confidence"]
    add("ocr_confidence", "all", None, None, None, "mean", oc["mean"])
    for b in oc["bins"]:
        add("ocr_confidence", "bin", b["label"], None, None, "documents", b["count"])
    for q in report["quarantine"]["reasons"]:
        add("quarantine", "reason", q["reason_code"], None, None, "count", q["count"])
    pt = report["processing_time"]
    add("processing_time", "document", None, None, None, "median_seconds", pt["median_seconds"])
    add("processing_time", "document", None, None, None, "p90_seconds", pt["p90_seconds"])
    for st in pt["stages"] or ():
        add("processing_time", "stage", st["stage"], None, None, "median_seconds", st["median_seconds"])
    for name, v in report["preservation"].items():
        for m in ("ok", "failed", "last_run"):
            add("preservation", name, None, None, None, m, v[m] if v else None)
    for t in report["trend"]:
        for key in ("digitization", "reuse"):
            for lv, v in t[key].items():
                add("trend", t["period"], lv, LEVEL_VI.get(lv), lv, f"{key}_rate", v, t[f"{key}_target"].get(lv))
    return out


def render_csv(report: dict[str, Any]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(("period", *COLUMNS))
    for r in rows(report):
        w.writerow((report["period"], *("" if r[c] is None else r[c] for c in COLUMNS)))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Vietnamese correctly


def render_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def render_xlsx(report: dict[str, Any]) -> bytes:
    """A workbook a province office can forward: a summary sheet, one sheet per KPI, and the long data table."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F3")

    def sheet(title: str, header: list[str], data: list[list[Any]], pct_cols: tuple[int, ...] = ()):
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in data:
            ws.append(row)
        for col in pct_cols:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                if isinstance(cell.value, int | float):
                    cell.value = cell.value / 100
                    cell.number_format = "0.0%"
        for i, _ in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 14 if i > 2 else 32
        ws.freeze_panes = "A2"
        return ws

    ws = wb.active
    ws.title = "Tổng hợp"
    h = headline(report)
    ws.append([_title(report)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"Từ {report['from']} đến {report['to']}; lập lúc {report['generated_at']}"])
    ws.append([f"Cách tính kỳ: {report.get('period_rule_vi', '')}"])
    ws.append([])
    for label, value, pct in (
        ("Tỷ lệ số hóa kết quả còn hiệu lực", h["digitization_rate"], True),
        ("Tỷ lệ tái sử dụng", h["reuse_rate"], True),
        ("Hồ sơ tiếp nhận", h["received"], False),
        ("Hồ sơ/cán bộ trong kỳ", h["dossiers_per_staff"], False),
        ("Trang đã số hóa", h["pages"], False),
        ("Tài liệu chờ kiểm tra", h["review_backlog"], False),
    ):
        ws.append([label, None if value is None else (value / 100 if pct else value)])
        if pct:
            ws.cell(ws.max_row, 2).number_format = "0.0%"
        if value is None:
            ws.cell(ws.max_row, 2).value = "chưa có số liệu"
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 18

    dig = report["digitization"]
    s = sheet(
        "Số hóa",
        ["Cơ quan", "Mã", "Cấp", "Đã số hóa", "Kết quả giấy còn hiệu lực", "Tỷ lệ", "Chỉ tiêu", "Đạt"],
        [
            [
                r["name"],
                r["agency"],
                LEVEL_VI.get(r["level"]),
                r["digitized"],
                r["on_paper"],
                r["rate"],
                r["target"],
                _met(r["met"]),
            ]
            for r in dig["by_agency"]
        ]
        + [
            [r["level_vi"], "", r["level_vi"], r["digitized"], r["on_paper"], r["rate"], r["target"], _met(r["met"])]
            for r in dig["by_level"]
        ],
        pct_cols=(6, 7),
    )
    if dig["by_agency"]:
        chart = BarChart()
        chart.type, chart.title, chart.y_axis.title = "bar", "Tỷ lệ số hóa theo cơ quan", "%"
        n = len(dig["by_agency"]) + 1
        chart.add_data(Reference(s, min_col=6, max_col=7, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(s, min_col=1, min_row=2, max_row=n))
        chart.height, chart.width = 7 + 0.5 * n, 18
        s.add_chart(chart, "J2")
    reu = report["reuse"]
    sheet(
        "Tái sử dụng",
        ["Cơ quan", "Mã", "Cấp", "Hồ sơ tiếp nhận", "Có tái sử dụng", "Tỷ lệ", "Chỉ tiêu", "Đạt"],
        [
            [
                r["name"],
                r["agency"],
                LEVEL_VI.get(r["level"]),
                r["received"],
                r["reused"],
                r["rate"],
                r["target"],
                _met(r["met"]),
            ]
            for r in reu["by_agency"]
        ]
        + [
            [r["level_vi"], "", r["level_vi"], r["received"], r["reused"], r["rate"], r["target"], _met(r["met"])]
            for r in reu["by_level"]
        ],
        pct_cols=(6, 7),
    )
    ps = report["per_staff"]
    sheet(
        "Cán bộ",
        [
            "Cơ quan",
            "Mã",
            "Cấp",
            "Cán bộ",
            "Hồ sơ",
            "Trang",
            "Hồ sơ/cán bộ",
            "Trang/cán bộ",
            "Chỉ tiêu kỳ",
            "Chỉ tiêu năm",
            "Đạt",
        ],
        [
            [
                r["name"],
                r["agency"],
                LEVEL_VI.get(r["level"]),
                r["staff"],
                r["dossiers"],
                r["pages"],
                r["dossiers_per_staff"],
                r["pages_per_staff"],
                r["target"],
                r["annual_target"],
                _met(r["met"]),
            ]
            for r in ps["by_agency"]
        ],
    )
    plan = []
    for sec, label, num, den in (
        ("resolved", "Hồ sơ giải quyết được số hóa, ký số, lưu trữ", "digitized", "resolved"),
        ("rollout", "Cơ quan triển khai số hóa", "running", "offices"),
        ("waiting", "Thời gian chờ (phút/lượt)", "total", "count"),
        ("satisfaction", "Mức độ hài lòng", "total", "count"),
    ):
        for r in report[sec]["by_level"]:
            value = r.get("rate", r.get("value"))
            plan.append([label, r["level_vi"], r.get(num), r.get(den), value, r["target"], _met(r["met"])])
    sheet("Chỉ tiêu khác", ["Chỉ tiêu", "Cấp", "Tử số", "Mẫu số", "Giá trị", "Chỉ tiêu", "Đạt"], plan)
    levels = trend_levels(report)
    sheet(
        "Xu hướng",
        ["Kỳ", *(f"Số hóa — {LEVEL_VI[lv]}" for lv in levels), *(f"Tái sử dụng — {LEVEL_VI[lv]}" for lv in levels)],
        [
            [t["period"], *(t["digitization"].get(lv) for lv in levels), *(t["reuse"].get(lv) for lv in levels)]
            for t in report["trend"]
        ],
        pct_cols=tuple(range(2, 2 + 2 * len(levels))),
    )
    sheet("Dữ liệu", list(COLUMNS), [[r[c] for c in COLUMNS] for r in rows(report)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _met(v: bool | None) -> str:
    return "đạt" if v else ("chưa đạt" if v is False else "")


FORMATS = {
    "html": ("text/html; charset=utf-8", lambda r: render_html(r).encode("utf-8")),
    "csv": ("text/csv; charset=utf-8", render_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
    "json": ("application/json", render_json),
}
