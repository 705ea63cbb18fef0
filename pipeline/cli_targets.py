"""``sohoa targets``: the agencies, operators and yearly denominators the plan's KPIs are measured against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, operator_name, out, print_json

targets_app = typer.Typer(
    help="Cơ quan, cán bộ và mẫu số chỉ tiêu / agencies, operators and KPI denominators",
    no_args_is_help=True,
    add_completion=False,
)


def _catalog():
    from catalog.db import Catalog

    cfg = cli_config()
    return cfg, Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]


@targets_app.command("agency")
@guarded
def agency_cmd(
    code: Annotated[str, typer.Argument(help="Mã định danh cơ quan, vd. 000.00.16.H42")],
    name: Annotated[str, typer.Option(help="Tên cơ quan")],
    level: Annotated[str, typer.Option(help="province | district | commune")],
    org_type: Annotated[str, typer.Option(help="state | postal | other")] = "state",
    parent: Annotated[str | None, typer.Option(help="Mã cơ quan cấp trên")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Khai báo (hoặc sửa) một cơ quan và cấp hành chính của nó / register an agency and its level."""
    from catalog.kpi_db import LEVEL_VI, upsert_agency

    cfg, catalog = _catalog()
    try:
        a = upsert_agency(
            catalog, code, name=name, level=level, org_type=org_type, parent=parent, actor=operator_name(cfg, operator)
        )
    finally:
        catalog.close()
    out.print(f"Đã lưu cơ quan {a.code} — {a.name} ({LEVEL_VI[a.level]})")


@targets_app.command("operator")
@guarded
def operator_cmd(
    operator_id: Annotated[str, typer.Argument(help="Mã cán bộ (như trong --operator của batch run)")],
    agency: Annotated[str, typer.Option(help="Cơ quan cán bộ làm việc cho")],
    name: Annotated[str | None, typer.Option(help="Họ tên")] = None,
    organisation: Annotated[str | None, typer.Option(help="Tổ chức, vd. Bưu điện tỉnh Ninh Bình")] = None,
    org_type: Annotated[str, typer.Option(help="state | postal | other")] = "state",
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Khai báo cán bộ số hóa / tiếp nhận và tổ chức của họ (kể cả bưu điện) / register an operator."""
    from catalog.kpi_db import upsert_operator

    cfg, catalog = _catalog()
    try:
        upsert_operator(
            catalog,
            operator_id,
            agency=agency,
            name=name,
            organisation=organisation,
            org_type=org_type,
            actor=operator_name(cfg, operator),
        )
    finally:
        catalog.close()
    out.print(f"Đã lưu cán bộ {operator_id} ({agency}, {org_type})")


@targets_app.command("set")
@guarded
def set_cmd(
    agency: Annotated[str, typer.Option(help="Mã cơ quan")],
    year: Annotated[int, typer.Option(help="Năm")],
    results_on_paper: Annotated[
        int | None, typer.Option(help="Số kết quả giải quyết TTHC còn hiệu lực đang lưu bản giấy")
    ] = None,
    staff: Annotated[int | None, typer.Option(help="Số cán bộ tiếp nhận")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Nhập mẫu số tỷ lệ số hóa (và số cán bộ) của một cơ quan cho một năm / enter a yearly denominator."""
    from catalog.kpi_db import set_year

    if results_on_paper is None and staff is None:
        raise typer.BadParameter("give --results-on-paper and/or --staff")
    cfg, catalog = _catalog()
    try:
        set_year(
            catalog, agency, year, results_on_paper=results_on_paper, staff=staff, actor=operator_name(cfg, operator)
        )
    finally:
        catalog.close()
    out.print(f"Đã lưu {agency} năm {year}: kết quả giấy còn hiệu lực = {results_on_paper}, cán bộ = {staff}")


@targets_app.command("import")
@guarded
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV: agency,year,results_on_paper[,staff,name,level,org_type,parent]")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Nhập mẫu số từ tệp CSV (kiểm tra hết trước khi ghi) / import denominators from CSV (all or nothing)."""
    from catalog.errors import InvalidCode
    from catalog.kpi_db import import_csv

    if not file.is_file():
        raise InvalidCode(f"{file} does not exist", f"không có tệp {file}")
    cfg, catalog = _catalog()
    try:
        n = import_csv(catalog, file, actor=operator_name(cfg, operator))
    finally:
        catalog.close()
    out.print(f"Đã nhập {n} dòng từ {file.name}")


@targets_app.command("list")
@guarded
def list_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Các cơ quan, cấp và mẫu số đã khai báo / registered agencies and their yearly figures."""
    from catalog.kpi_db import LEVEL_VI, ORG_TYPE_VI, agency_years, list_agencies

    _cfg, catalog = _catalog()
    try:
        agencies, years = list_agencies(catalog), agency_years(catalog)
    finally:
        catalog.close()
    rows = [
        {
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "org_type": a.org_type,
            "parent": a.parent,
            "years": {
                y: {"results_on_paper": v[0], "staff": v[1]} for (code, y), v in sorted(years.items()) if code == a.code
            },
        }
        for a in agencies
    ]
    if as_json:
        print_json(rows)
        return
    table = new_table(title="Cơ quan và mẫu số chỉ tiêu")
    for col in ("Mã", "Tên", "Cấp", "Tổ chức", "Năm: kết quả giấy / cán bộ"):
        table.add_column(col)
    for r in rows:
        yrs = ", ".join(f"{y}: {v['results_on_paper'] or '—'} / {v['staff'] or '—'}" for y, v in r["years"].items())
        table.add_row(r["code"], r["name"], LEVEL_VI[r["level"]], ORG_TYPE_VI.get(r["org_type"], r["org_type"]), yrs)
    out.print(table)
