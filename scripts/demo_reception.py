"""Demo only: citizens come to the one-stop office with new dossiers. The one-stop system registers each dossier
through the API (``POST /v1/dossiers``, scope ``reception``), and the reception desk asks the warehouse which
papers it already holds (``POST /v1/reuse-check`` with the dossier code in ``X-Purpose``). The reuse rate on the
dashboard is computed over these registered dossiers.

The API runs in this process on a free loopback port (the same app ``sohoa serve`` runs). For up to ``--owners``
owners with archived papers a dossier is registered with a procedure needing one of the owner's paper types plus
one more (every other owner has nothing reusable); then one reuse check is sent with a made-up dossier code — it
is answered and audited, but counts for nothing.

    python scripts/demo_reception.py [--owners 4]
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from sqlalchemy import select

from catalog.apikeys import create_key
from catalog.db import Catalog, Document
from catalog.kpi import compute_report, current_period, load_targets
from catalog.status import Status
from pipeline.config import load_config
from pipeline.web import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--owners", type=int, default=4)
    args = ap.parse_args()
    cfg = load_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    agency = cfg.agency
    with catalog.session() as s:
        rows = list(
            s.execute(
                select(Document.owner_id, Document.type_code)
                .where(
                    Document.status == Status.ARCHIVED, Document.owner_id.is_not(None), Document.type_code.is_not(None)
                )
                .distinct()
                .limit(args.owners)
            )
        )
    reception = create_key(catalog, agency=agency, scopes="reception", client="demo-mot-cua", created_by="demo")[1]
    lookup = create_key(catalog, agency=agency, scopes="lookup", client="demo-tiep-nhan", created_by="demo")[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(cfg, catalog=catalog), host="127.0.0.1", port=_free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.config.port}"
    tz = ZoneInfo(cfg.timezone)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            for i, (owner, type_code) in enumerate(rows):
                now = datetime.now(tz).replace(microsecond=0)
                # the one-stop system's code for the dossier (simulated here with the installation's sequence)
                seq = catalog.next_sequence(f"dossier:{agency}", now.strftime("%Y%m%d"), limit=9999)
                code = cfg.templates.dossier_code(agency, now.date(), seq)
                extra = "GXNTTHN" if type_code != "GXNTTHN" else "GKS"
                types = [type_code, extra] if i % 2 == 0 else [extra]  # every other citizen has nothing reusable
                r = http.post(
                    "/v1/dossiers",
                    json={"code": code, "owner_id": owner, "received_at": now.isoformat(), "required_types": types},
                    headers={"X-API-Key": reception},
                )
                r.raise_for_status()
                r = http.post(
                    "/v1/reuse-check",
                    json={"owner_id": owner, "required_types": types},
                    headers={"X-API-Key": lookup, "X-Purpose": code},
                )
                r.raise_for_status()
                ans = r.json()
                print(f"  {code}: {ans['reusable']}/{ans['required']} giấy tờ tái sử dụng / papers reusable")
            if rows:  # a purpose no one registered: answered and audited, counted for nothing
                day = datetime.now(tz).strftime("%y%m%d")
                r = http.post(
                    "/v1/reuse-check",
                    json={"owner_id": rows[0][0], "required_types": [rows[0][1]]},
                    headers={"X-API-Key": lookup, "X-Purpose": f"{agency}-{day}-9000"},
                )
                r.raise_for_status()
                print(f"  {agency}-{day}-9000 (chưa đăng ký / not registered): trả lời, ghi nhật ký, không tính")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    period = current_period(tz=cfg.timezone)
    reu = compute_report(catalog, period, load_targets(cfg.kpi_targets), agency=agency)["reuse"]["by_agency"]
    for row in reu:
        rate = "—" if row["rate"] is None else f"{row['rate']} %"
        print(
            f"  Tỷ lệ tái sử dụng {period.label_vi} / reuse rate: {row['reused']}/{row['received']} hồ sơ đăng ký "
            f"/ registered dossiers = {rate}"
        )
    catalog.close()


if __name__ == "__main__":
    main()
