"""Where a one-stop system issues the dossier codes (``invent_dossier_codes = false``), a batch document that
names no dossier is filed under a code from the top of the day's range, never one the one-stop system issues;
a document that names a registered dossier keeps it."""

from __future__ import annotations

from catalog.codes import CodeTemplates
from catalog.config import CatalogConfig
from catalog.db import Catalog
from catalog.types import default_document_types
from pipeline.model import Declared, DocumentJob
from pipeline.stages import assign_codes

AGENCY = "000.00.16.H42"


def _job(c: Catalog, n: int, dossier: str | None = None) -> DocumentJob:
    key = f"{n:064d}"
    kw = dict(batch_id="b1", input_name=f"s{n}.png", agency=AGENCY, operator="op", kind="result", procedure=None)
    holder = f"run-{n}"
    c.claim(key, holder=holder, **kw)
    return DocumentJob(
        key=key,
        batch_id="b1",
        input=f"s{n}.png",
        agency=AGENCY,
        operator="op",
        work_dir="/tmp",
        sources=(),
        declared=Declared(dossier=dossier),
        holder=holder,
    )


def test_reserved_range_when_a_one_stop_system_issues_codes(tmp_path):
    c = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    types, templates = default_document_types(), CodeTemplates()
    invent = CatalogConfig()
    reserve = CatalogConfig(invent_dossier_codes=False)
    a = assign_codes(_job(c, 1), c, types, templates, invent)
    b = assign_codes(_job(c, 2), c, types, templates, reserve)
    d = assign_codes(_job(c, 3), c, types, templates, reserve)
    assert a.dossier_code.endswith("-0001")
    assert (b.dossier_code[-4:], d.dossier_code[-4:]) == ("9999", "9998")
    named = f"{AGENCY}-261201-0007"
    assert assign_codes(_job(c, 4, named), c, types, templates, reserve).dossier_code == named
    c.close()
