"""``sohoa report`` (the quarterly report in html, csv, xlsx or json) and ``sohoa kpi`` (a one-screen summary)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, new_table, out, print_json

Quarter = Annotated[
    str | None, typer.Option("--quarter", "--period", help="Kỳ: quý 2026Q4 hoặc năm 2026 (mặc định: quý hiện tại)")
]
Agency = Annotated[str | None, typer.Option(help="Chỉ một cơ quan (mã định danh)")]
Level = Annotated[str | None, typer.Option(help="Chỉ một cấp: province | district | commune")]
Rule = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help="Cách tính kỳ: calendar (quý dương lịch) | state (kỳ báo cáo nhà nước, 15 tháng trước – 14 tháng cuối "
        "quý); mặc định theo tệp chỉ tiêu",
    ),
]


def _report(quarter: str | None, agency: str | None, level: str | None, rule: str | None = None) -> dict:
    from catalog.db import Catalog
    from catalog.kpi import compute_report, current_period, load_targets, parse_period
    from catalog.kpi.periods import check_rule

    cfg = cli_config()
    targets = load_targets(cfg.kpi_targets)
    rule = check_rule(rule or targets.report_period)
    period = parse_period(quarter, cfg.timezone, rule) if quarter else current_period(tz=cfg.timezone, rule=rule)
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    try:
        return compute_report(catalog, period, targets, level=level, agency=agency)
    finally:
        catalog.close()


@guarded
def report_cmd(
    quarter: Quarter = None,
    agency: Agency = None,
    level: Level = None,
    rule: Rule = None,
    format: Annotated[str, typer.Option("--format", "-f", help="html | csv | xlsx | json | pdf")] = "html",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Tệp kết quả (mặc định: màn hình; xlsx, pdf: tệp)")
    ] = None,
) -> None:
    """Báo cáo định kỳ kết quả số hóa / the quarterly KPI report (same figures as the dashboard)."""
    from catalog.dashboard.render import FORMATS

    if format not in (*FORMATS, "pdf"):
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}, pdf")
    report = _report(quarter, agency, level, rule)
    if format == "pdf":
        from catalog.dashboard.pdf import html_to_pdf
        from catalog.dashboard.render import render_html

        data = html_to_pdf(render_html(report))
    else:
        data = FORMATS[format][1](report)
    if out_file is None and format in ("xlsx", "pdf"):
        out_file = Path(f"bao-cao-so-hoa-{report['period']}{'-' + agency if agency else ''}.{format}")
    if out_file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(data)
    err.print(f"Đã ghi báo cáo / report written: {out_file}")


@guarded
def kpi_cmd(
    quarter: Quarter = None,
    agency: Agency = None,
    level: Level = None,
    rule: Rule = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Tóm tắt chỉ tiêu trên một màn hình / a one-screen KPI summary against the plan's targets."""
    from catalog.dashboard.charts import fmt_num, fmt_pct
    from catalog.dashboard.render import headline

    report = _report(quarter, agency, level, rule)
    h = headline(report)
    if as_json:
        print_json({"period": report["period"], **h})
        return

    def vs(value: str, target: str, met: bool | None) -> str:
        mark = "[green]✓[/]" if met else ("[red]✗[/]" if met is False else " ")
        return f"{mark} {value} / {target}"

    table = new_table(title=f"Chỉ tiêu số hóa — {report['period_vi']} (giá trị / chỉ tiêu)")
    for col in ("Cấp", "Tỷ lệ số hóa", "Tỷ lệ tái sử dụng", "Hồ sơ/cán bộ (kỳ)", "Trang số hóa"):
        table.add_column(col)
    dig = {r["level"]: r for r in report["digitization"]["by_level"]}
    reu = {r["level"]: r for r in report["reuse"]["by_level"]}
    ps = {r["level"]: r for r in report["per_staff"]["by_level"]}
    for lv, d in dig.items():
        table.add_row(
            d["level_vi"],
            vs(fmt_pct(d["rate"]), fmt_pct(d["target"]), d["met"]),
            vs(fmt_pct(reu[lv]["rate"]), fmt_pct(reu[lv]["target"]), reu[lv]["met"]),
            vs(fmt_num(ps[lv]["dossiers_per_staff"]), fmt_num(ps[lv]["target"]), ps[lv]["met"]),
            fmt_num(ps[lv]["pages"], 0),
        )
    table.add_row(
        "[bold]Toàn bộ[/]",
        f"  {fmt_pct(h['digitization_rate'])}",
        f"  {fmt_pct(h['reuse_rate'])}",
        f"  {fmt_num(h['dossiers_per_staff'])}",
        fmt_num(h["pages"], 0),
    )
    out.print(table)
    b, q, o, pres = report["review_backlog"], report["quarantine"], report["ocr_confidence"], report["preservation"]
    fix = pres["fixity"]
    fixity = "chưa có dữ liệu" if fix is None else f"{fix['ok']} đạt, {fix['failed']} lỗi"
    out.print(
        f"Chờ kiểm tra: {b['count']} (lâu nhất {fmt_num(b['oldest_age_days'])} ngày) · "
        f"Cách ly trong kỳ: {q['count']} · OCR trung bình: {fmt_num(o['mean'], 3)} · "
        f"Toàn vẹn: {fixity}"
    )
    plan = new_table(title="Chỉ tiêu khác của kế hoạch (giá trị / chỉ tiêu; tử số / mẫu số)")
    for col in ("Cấp", "Hồ sơ giải quyết được số hóa", "Triển khai số hóa", "Chờ (phút/lượt)", "Hài lòng"):
        plan.add_column(col)
    res = {r["level"]: r for r in report["resolved"]["by_level"]}
    roll = {r["level"]: r for r in report["rollout"]["by_level"]}
    wait = {r["level"]: r for r in report["waiting"]["by_level"]}
    sat = {r["level"]: r for r in report["satisfaction"]["by_level"]}
    for lv, d in dig.items():
        plan.add_row(
            d["level_vi"],
            vs(fmt_pct(res[lv]["rate"]), fmt_pct(res[lv]["target"]), res[lv]["met"])
            + f" ({res[lv]['digitized']}/{res[lv]['resolved']})",
            vs(fmt_pct(roll[lv]["rate"]), fmt_pct(roll[lv]["target"]), roll[lv]["met"])
            + f" ({roll[lv]['running']}/{roll[lv]['offices']})",
            vs(fmt_num(wait[lv]["value"]), fmt_num(wait[lv]["target"]), wait[lv]["met"]),
            vs(fmt_pct(sat[lv]["value"]), fmt_pct(sat[lv]["target"]), sat[lv]["met"]),
        )
    out.print(plan)
    out.print(f"Kỳ: {report['from']} – {report['to']} ({report['period_rule_vi']})")
    if not report["agencies"]:
        out.print("[yellow]Chưa khai báo cơ quan và mẫu số: sohoa targets agency … / sohoa targets set …[/]")
