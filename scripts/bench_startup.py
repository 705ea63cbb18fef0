"""How much CPU a `sohoa` command costs before it does its work (issue 16: ≤ 0.4 s for `--help` and `show`).

    .venv/bin/python scripts/bench_startup.py [--runs 9]

Each command runs ``--runs`` times as a child process; the CPU it used (user + system, from the kernel's
accounting of finished children) is reported as the median and the range. In the same run, two baselines:
the bare interpreter, and the *floor* — importing the libraries a command that reads the catalog cannot do
without (typer, pydantic, SQLAlchemy with its ORM) and nothing of sohoa. `show` reads a document seeded in a
fresh SQLite catalog (with its signed PDF in a local store), prints it, and records the lookup.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.4
CODE = "000.00.00.H42-261206-0001.01"
OWNER = "037096014589"


def cpu_of(argv: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, env=env, cwd=REPO, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv)} -> {proc.returncode}\n{proc.stderr.decode()[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def seed(home: Path) -> None:
    """One archived document, as a batch would have left it (without running OCR and signing)."""
    sys.path.insert(0, str(REPO))
    os.environ["SOHOA_HOME"] = str(home)
    from archive.layout import document_keys, owner_key
    from archive.store import open_store
    from catalog.db import Catalog
    from pipeline.config import load_config

    cfg = load_config()
    catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
    store = open_store(cfg.store_config)
    key = "b" * 64
    keys = document_keys(owner_key(OWNER, b"bench-owner-key-secret"), CODE)
    pdf = store.put(keys.pdf, b"%PDF-1.7 bench\n", content_type="application/pdf")
    catalog.claim(
        key,
        holder="bench",
        batch_id="B-bench",
        input_name="scan.png",
        agency=cfg.agency,
        operator="bench",
        kind="result",
        procedure=None,
    )
    catalog.update_document(
        key,
        holder="bench",
        status="archived",
        doc_code=CODE,
        owner_id=OWNER,
        type_code="GKS",
        type_name="Giấy khai sinh",
        pages=1,
        pdf_key=pdf.key,
        pdf_sha256=pdf.sha256,
        fields={"full_name": {"value": "Nguyễn Văn A", "confidence": 0.9}},
    )
    catalog.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    py = sys.executable
    sohoa = str(Path(py).with_name("sohoa"))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        seed(home)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
        env["SOHOA_HOME"] = str(home)
        # As installed: Python keeps the compiled modules (a sandbox may forbid it; that would add the
        # compilation of every sohoa module to each command, 0.03–0.05 s here).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cases = [
            ("python -c pass (interpreter)", [py, "-c", "pass"]),
            ("floor: import typer, pydantic, sqlalchemy.orm", [py, "-c", "import typer, pydantic, sqlalchemy.orm"]),
            ("sohoa --help", [sohoa, "--help"]),
            ("sohoa show CODE", [sohoa, "show", CODE]),
            ("sohoa show CODE --json", [sohoa, "show", CODE, "--json"]),
        ]
        results = {}
        for name, argv in cases:
            cpu_of(argv, env)  # warm the page cache and the bytecode
            samples = [cpu_of(argv, env) for _ in range(args.runs)]
            results[name] = samples
    floor = statistics.median(results["floor: import typer, pydantic, sqlalchemy.orm"])
    print(f"CPU per command (user + system), median of {args.runs} runs [range], {os.cpu_count()} cores")
    for name, samples in results.items():
        med = statistics.median(samples)
        line = f"  {name:<48} {med:6.3f} s  [{min(samples):.3f}–{max(samples):.3f}]"
        if name.startswith("sohoa"):
            verdict = "met" if med <= TARGET_S else "NOT met"
            line += f"   {med / TARGET_S:4.2f} × target {TARGET_S} s ({verdict}); {med - floor:+.3f} s over the floor"
        print(line)


if __name__ == "__main__":
    main()
