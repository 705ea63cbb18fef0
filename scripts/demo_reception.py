"""Demo only: citizens come back to the one-stop office with new dossiers, and the reception system asks the
warehouse which papers it already holds — the reuse checks the KPI "Tỷ lệ tái sử dụng" counts.

For up to ``--owners`` owners with archived papers, a new dossier code is taken (the pipeline's own atomic
sequence) and a reuse check is made for a procedure needing one of the owner's paper types plus one more,
recorded exactly as ``sohoa lookup --purpose <dossier code>`` records it.

    python scripts/demo_reception.py [--owners 4]
"""

from __future__ import annotations

import argparse

from sqlalchemy import select

from catalog import audit
from catalog import lookup as lk
from catalog.db import Catalog, Document
from catalog.status import Status
from catalog.types import default_document_types
from pipeline.config import load_config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--owners", type=int, default=4)
    args = ap.parse_args()
    cfg = load_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    doc_types = default_document_types()
    templates = cfg.templates
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
    day = lk.today(cfg.timezone)
    for i, (owner, type_code) in enumerate(rows):
        seq = catalog.next_sequence(f"dossier:{cfg.agency}", day.strftime("%Y%m%d"), limit=9999)
        dossier = templates.dossier_code(cfg.agency, day, seq)
        extra = "GXNTTHN" if type_code != "GXNTTHN" else "GKS"
        types = [type_code, extra] if i % 2 == 0 else [extra]  # every other citizen has nothing reusable
        ans = lk.reuse_check(catalog, doc_types, owner, type_codes=types, on_date=day)
        audit.record(
            catalog,
            audit.REUSE_CHECK,
            actor="demo-reception",
            agency=cfg.agency,
            owner_id=ans.owner_id,
            purpose=dossier,
            result=f"{ans.reusable}/{ans.required} reusable",
            via="demo",
            extra={"types": types},
        )
        print(f"  {dossier}: {ans.reusable}/{ans.required} giấy tờ tái sử dụng / papers reusable")
    catalog.close()


if __name__ == "__main__":
    main()
