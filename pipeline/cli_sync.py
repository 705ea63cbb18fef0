"""``sohoa sync status|run|retry|reconcile``: the outbox of the national portal's data warehouse."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded, new_table, out, print_json
from pipeline.errors import ConfigError, ExitCode

sync_app = typer.Typer(
    help="Đồng bộ kho dữ liệu Cổng DVC quốc gia / sync with the national portal's data warehouse",
    no_args_is_help=True,
    add_completion=False,
)
AsJson = Annotated[bool, typer.Option("--json", help="In JSON / print JSON")]


def _catalog(cfg):
    from catalog.db import Catalog

    return Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]


def _connector(cfg):
    from pipeline.sync.rest import open_connector

    connector = open_connector(cfg.sync)
    if connector is None:
        raise ConfigError(
            "no national warehouse configured: set SOHOA_SYNC__URL", "chưa cấu hình kho quốc gia: đặt SOHOA_SYNC__URL"
        )
    return connector


@sync_app.command("status")
@guarded
def status_cmd(as_json: AsJson = False) -> None:
    """Số thay đổi theo trạng thái, thay đổi chờ lâu nhất, thay đổi hỏng / counts by state, oldest pending, dead."""
    from catalog import outbox

    cfg = cli_config()
    catalog = _catalog(cfg)
    try:
        st = outbox.status(catalog)
    finally:
        catalog.close()
    data = st.as_json() | {"remote": cfg.sync.url or None}
    if as_json:
        print_json(data)
        return
    out.print(
        "Hộp thư đi / outbox: "
        + ", ".join(f"{k} {v}" for k, v in st.counts.items())
        + (f"; chờ lâu nhất từ / oldest pending since {data['oldest_pending']}" if st.oldest_pending else "")
        + (f"; kho quốc gia / remote: {cfg.sync.url}" if cfg.sync.url else "; chưa cấu hình kho quốc gia / no remote")
    )
    if st.dead:
        table = new_table(title="Thay đổi không gửi được / dead changes")
        for col in ("id", "doc_code", "change", "attempts", "error"):
            table.add_column(col)
        for d in st.dead:
            table.add_row(str(d["id"]), d["doc_code"] or "", d["change"], str(d["attempts"]), d["error"] or "")
        out.print(table)


@sync_app.command("run")
@guarded
def run_cmd(
    queue: Annotated[bool, typer.Option("--queue", help="Giao cho các worker / let the workers send")] = False,
    parallel: Annotated[int, typer.Option(min=1, max=64, help="Với --queue: số lượt gửi song song")] = 1,
    max_seconds: Annotated[float | None, typer.Option(help="Dừng sau / stop after this many seconds")] = None,
    as_json: AsJson = False,
) -> None:
    """Gửi các thay đổi đến hạn / send the changes that are due (here, or queued to the workers)."""
    cfg = cli_config()
    if queue:
        from pipeline.actors import setup

        q = setup(cfg)
        for _ in range(parallel):
            q.sync.send()
        q.broker.close()
        out.print(f"{parallel} lượt gửi đã vào hàng đợi / sync drains queued")
        return
    from archive.store import open_store
    from pipeline.run import new_holder
    from pipeline.sync.sender import drain

    catalog, connector = _catalog(cfg), _connector(cfg)
    try:
        report = drain(
            catalog, open_store(cfg.store_config), connector, cfg.sync, new_holder()[0], max_seconds=max_seconds
        )
    finally:
        connector.close()
        catalog.close()
    if as_json:
        print_json(report.as_json())
    else:
        out.print(
            f"Đã gửi / sent {report.sent} (+{report.duplicates} trùng / duplicates), thử lại sau / retrying "
            f"{report.retried}, hỏng / dead {report.dead} — {report.seconds:.1f} s"
        )
    if report.dead:
        raise typer.Exit(ExitCode.ITEMS_FAILED)


@sync_app.command("retry")
@guarded
def retry_cmd(
    ids: Annotated[list[int] | None, typer.Argument(help="id của thay đổi (mặc định: tất cả) / change ids")] = None,
    as_json: AsJson = False,
) -> None:
    """Gửi lại các thay đổi hỏng / send dead changes again, from their first attempt."""
    from catalog import outbox

    cfg = cli_config()
    catalog = _catalog(cfg)
    try:
        n = outbox.retry_dead(catalog, ids or None)
    finally:
        catalog.close()
    if as_json:
        print_json({"retried": n})
    else:
        out.print(f"{n} thay đổi sẽ được gửi lại / changes will be sent again")


@sync_app.command("reconcile")
@guarded
def reconcile_cmd(
    sample: Annotated[int, typer.Option(min=1, help="Số chủ sở hữu đối chiếu / owners compared")] = 50,
    as_json: AsJson = False,
) -> None:
    """Đối chiếu với kho quốc gia / compare what the national side holds with what was sent."""
    from pipeline.sync.reconcile import reconcile

    cfg = cli_config()
    catalog, connector = _catalog(cfg), _connector(cfg)
    try:
        r = reconcile(catalog, connector, sample)
    finally:
        connector.close()
        catalog.close()
    if as_json:
        print_json(r.as_json())
    else:
        out.print(
            f"{r.owners} chủ sở hữu / owners, {r.papers} giấy tờ / papers: {r.matching} khớp / match, "
            f"{len(r.differences)} khác / differ, {r.unreachable} không hỏi được / unreachable"
        )
        for d in r.differences:
            err.print(f"  {d['owner']} {d['doc_code']}: {d['problem']} {', '.join(d.get('fields', []))}")
    if not r.ok:
        raise typer.Exit(ExitCode.ITEMS_FAILED)
