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
    valid_from: Annotated[str | None, typer.Option(help="Thành lập từ ngày (YYYY-MM-DD)")] = None,
    valid_to: Annotated[str | None, typer.Option(help="Tồn tại đến hết ngày (YYYY-MM-DD), vd. 2025-06-30")] = None,
    merged_into: Annotated[str | None, typer.Option(help="Mã cơ quan kế thừa sau khi sáp nhập")] = None,
    split_from: Annotated[str | None, typer.Option(help="Mã cơ quan được tách ra từ")] = None,
    remote: Annotated[
        bool | None, typer.Option("--remote/--not-remote", help="Xã vùng sâu, vùng xa, đặc biệt khó khăn (miễn)")
    ] = None,
    rollout_from: Annotated[str | None, typer.Option(help="Bắt đầu thực hiện số hóa từ ngày (YYYY-MM-DD)")] = None,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Khai báo (hoặc sửa) một cơ quan, cấp hành chính và thời gian tồn tại / register an agency, its level and
    its validity (the 2025 map: --valid-to 2025-06-30 --merged-into <successor>)."""
    from catalog.kpi_db import LEVEL_VI, upsert_agency

    given = {
        "valid_from": valid_from,
        "valid_to": valid_to,
        "merged_into": merged_into,
        "split_from": split_from,
        "remote": remote,
        "rollout_from": rollout_from,
    }
    cfg, catalog = _catalog()
    try:
        a = upsert_agency(
            catalog,
            code,
            name=name,
            level=level,
            org_type=org_type,
            parent=parent,
            actor=operator_name(cfg, operator),
            **{k: v for k, v in given.items() if v is not None},
        )
    finally:
        catalog.close()
    out.print(f"Đã lưu cơ quan {a.code} — {a.name} ({LEVEL_VI[a.level]})")


@targets_app.command("map")
@guarded
def map_cmd(
    file: Annotated[Path | None, typer.Option(help="Tệp bản đồ TOML (mặc định: tỉnh Ninh Bình mới, kèm theo)")] = None,
    province_code: Annotated[str | None, typer.Option(help="Mã cấp 1 của tỉnh (mặc định trong tệp: H42)")] = None,
    close_districts: Annotated[
        bool, typer.Option("--close-districts/--keep-districts", help="Đóng các cơ quan cấp huyện ngày 30/6/2025")
    ] = True,
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Áp dụng bản đồ hành chính 2025 (chính quyền hai cấp) / apply the 2025 map: the new province, and every
    district-level agency closed on 30 June 2025 (its history carried to the province unless a successor is set)."""
    from catalog.agency_map import apply_2025_map

    cfg, catalog = _catalog()
    try:
        r = apply_2025_map(
            catalog,
            path=file,
            province_code=province_code,
            close_districts=close_districts,
            actor=operator_name(cfg, operator),
        )
    finally:
        catalog.close()
    out.print(
        f"Đã khai báo {len(r.registered)} cơ quan; đóng {len(r.closed)} cơ quan cấp huyện: {', '.join(r.closed) or '—'}"
    )


@targets_app.command("figures")
@guarded
def figures_cmd(
    file: Annotated[Path, typer.Argument(help="CSV: agency,kind,day_from,day_to,count,total")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Nhập thời gian chờ (hệ thống xếp hàng) và mức độ hài lòng (hệ thống đánh giá) / import waiting time
    (kind=waiting: visits, minutes in all) and satisfaction (kind=satisfaction: evaluations, satisfied)."""
    from catalog import service_figures
    from catalog.errors import InvalidCode

    if not file.is_file():
        raise InvalidCode(f"{file} does not exist", f"không có tệp {file}")
    cfg, catalog = _catalog()
    try:
        n = service_figures.import_csv(catalog, file, actor=operator_name(cfg, operator))
    finally:
        catalog.close()
    out.print(f"Đã nhập {n} dòng từ {file.name}")


@targets_app.command("authorities")
@guarded
def authorities_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Kết quả chưa xác định được cơ quan có thẩm quyền cấp / results whose issuing authority needs a clerk."""
    from catalog.authority import assign_missing, unsure

    _cfg, catalog = _catalog()
    try:
        assign_missing(catalog)
        rows = unsure(catalog)
    finally:
        catalog.close()
    if as_json:
        print_json(rows)
        return
    table = new_table(title="Kết quả chờ xác định cơ quan cấp")
    for col in ("Mã tài liệu", "Cơ quan cấp (đọc được)", "Đoán", "Cấp"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["doc_code"] or "", r["issuer"] or "—", r["agency"] or "—", r["level"] or "—")
    out.print(table)


@targets_app.command("authority")
@guarded
def authority_cmd(
    doc_code: Annotated[str, typer.Argument(help="Mã tài liệu (kết quả)")],
    agency: Annotated[str, typer.Argument(help="Mã cơ quan đã cấp kết quả")],
    operator: Annotated[str | None, typer.Option(help="Mã cán bộ thực hiện")] = None,
) -> None:
    """Xác nhận cơ quan có thẩm quyền đã cấp một kết quả / confirm which agency issued a result."""
    from catalog.authority import set_authority

    cfg, catalog = _catalog()
    try:
        set_authority(catalog, doc_code, agency, actor=operator_name(cfg, operator))
    finally:
        catalog.close()
    out.print(f"Đã ghi: {doc_code} do {agency} cấp")


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
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: agency,year,results_on_paper[,staff,name,level,org_type,parent,valid_from,valid_to,"
            "merged_into,split_from,remote,rollout_from]"
        ),
    ],
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
            "valid_from": a.valid_from,
            "valid_to": a.valid_to,
            "merged_into": a.merged_into,
            "split_from": a.split_from,
            "remote": a.remote,
            "rollout_from": a.rollout_from,
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
    for col in ("Mã", "Tên", "Cấp", "Tổ chức", "Hiệu lực", "Năm: kết quả giấy / cán bộ"):
        table.add_column(col)
    for r in rows:
        yrs = ", ".join(f"{y}: {v['results_on_paper'] or '—'} / {v['staff'] or '—'}" for y, v in r["years"].items())
        span = f"{r['valid_from'] or '…'} – {r['valid_to'] or '…'}"
        if r["merged_into"]:
            span += f" → {r['merged_into']}"
        if r["remote"]:
            span += " (vùng sâu, vùng xa)"
        table.add_row(
            r["code"], r["name"], LEVEL_VI[r["level"]], ORG_TYPE_VI.get(r["org_type"], r["org_type"]), span, yrs
        )
    out.print(table)
