"""Dossier numbers are taken atomically: concurrent processes never get the same number (both backends)."""

import multiprocessing as mp
from datetime import date

from catalog.codes import CodeTemplates
from catalog.db import Catalog

AGENCY = "000.00.16.H42"


def _take(url: str, n: int, out) -> None:
    c = Catalog(url, migrate=False)
    t = CodeTemplates()
    codes = [
        t.dossier_code(AGENCY, date(2026, 11, 21), c.next_sequence(f"dossier:{AGENCY}", "20261121", 9999))
        for _ in range(n)
    ]
    c.close()
    out.put(codes)


def test_two_processes_never_share_a_dossier_number(catalog_url):
    Catalog(catalog_url).close()  # schema first, so the workers only take numbers
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_take, args=(catalog_url, 40, q)) for _ in range(3)]
    for p in procs:
        p.start()
    got = [code for _ in procs for code in q.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(got) == len(set(got)) == 120
    seqs = sorted(CodeTemplates().parse_dossier_code(c).seq for c in got)
    assert seqs == list(range(1, 121))  # no gaps either
    other = Catalog(catalog_url, migrate=False)
    assert other.next_sequence("dossier:000.00.17.H42", "20261121") == 1  # per agency
    other.close()


def _open(url: str, start, out) -> None:
    start.wait(30)
    try:
        Catalog(url).close()
        out.put("ok")
    except Exception as e:  # reported to the test, which names it
        out.put(f"{type(e).__name__}: {e}")


def test_processes_starting_together_create_the_schema_once(catalog_url):
    """A clerk's CLI and two workers opening a new catalog at the same moment all find it ready."""
    ctx = mp.get_context("spawn")
    q, start = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_open, args=(catalog_url, start, q)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    results = [q.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok"] * 4, results
    c = Catalog(catalog_url, migrate=False)
    assert c.count_by_status() == {}
    c.close()
