#!/usr/bin/env python3
"""Benchmark the project's OCR against bare ``tesseract -l vie`` on the same generated scans.

    python scripts/bench_ocr.py [--per-level 4] [--levels clean,mild,harsh] [--seed 7] [--workers 0]
                                [--memory-pages 0] [--memory-engine tesseract|none] [--keep DIR]

Generates its own set with the sample generator (clean: 200/300 dpi PNG; mild: JPEG with skew, noise and
a light shadow; harsh: 200 dpi JPEG colour photocopies, pages fed sideways or upside down, shadows,
yellowed paper, specks; all papers but the application form carry a red seal over the signer's name).
Both OCRs read the same files in the same run. Printed per level:

- CER: edit distance between the truth text and the output text over the truth length (order-sensitive);
- line error: each truth line's edit distance to its best-matching substring of the output, summed over
  all lines, over the truth length (order-insensitive: a two-column header read column after column or
  line across line scores the same); runs of spaces count as one space in both;
- seconds per page (wall clock) for each, and the project's time over bare Tesseract's.

Bare Tesseract runs one process per file with its default threading, as a person would call it; the
project runs as the batch does (a page pool of ``--workers`` processes, Tesseract single-threaded).
``--memory-pages N`` also builds an N-page PDF and reports the peak memory (sum of resident memory over
the process tree) of reading it with the project's OCR.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz.distance import Levenshtein

from ocr.model import OcrEngine
from scripts.make_samples import Spec, generate
from scripts.samplegen.papers import GENERATORS

TARGET_LINE_ERROR = {"clean": 0.005, "mild": 0.010, "harsh": 0.030}
TARGET_TIME_RATIO = 1.3
TARGET_PEAK_MB = 1536

# Full-page papers (the ID card is a small card photocopied on A4); all but the application form (TK)
# carry a red seal over the signer's name and a blue signature.
PAPERS = [t for t in GENERATORS if t != "CCCD"]


def specs(levels: list[str], per_level: int) -> list[Spec]:
    out = []
    types = PAPERS
    for k, level in enumerate(levels):
        for i in range(per_level):
            t = types[(i + 3 * k) % len(types)]  # every type in turn, each level starting elsewhere
            if level == "clean":
                out.append(Spec(t, "clean", (200, 300)[i % 2], "png"))
            elif level == "mild":
                out.append(Spec(t, "mild", (300, 200)[i % 2], "jpg"))
            else:
                out.append(Spec(t, level, 200, "jpg"))
    return out


# --- metrics ---------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t]+")


def norm_line(s: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", s)).strip()


def norm_text(s: str) -> str:
    return "\n".join(x for x in (norm_line(line) for line in s.splitlines()) if x)


_LEADER = re.compile(r"_{2,}|[.\u2026]{4,}|\u2026{2,}")
"""A leader: two or more underscores, or four or more dots (ellipsis characters counting) in a row; an
ellipsis "..." stays."""


def drop_leaders(s: str) -> str:
    """The text without its leaders: the dotted ("......") and underscored ("____") blanks a form prints values
    over are not content. Applied alike to the truth and to every reader's output when asked
    (``line_errors(..., leaders=False)``)."""
    return _LEADER.sub(" ", s)


def substring_distance(needle: str, hay: str) -> int:
    """Smallest edit distance between ``needle`` and any substring of ``hay`` (semi-global alignment)."""
    if not needle:
        return 0
    if not hay:
        return len(needle)
    h = np.frombuffer(hay.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(hay) + 1, dtype=np.int64)
    prev = np.zeros(len(hay) + 1, dtype=np.int64)  # a match may start anywhere: row 0 is all zeros
    for i, ch in enumerate(needle, 1):
        cost = (h != ord(ch)).astype(np.int64)
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        # insertions along the row: cur[j] = min_k (cur[k] + j - k)
        cur = np.minimum.accumulate(cur - idx) + idx
        prev = cur
    return int(prev.min())


def line_errors(truth_lines: list[str], output: str, leaders: bool = True) -> tuple[int, int]:
    """Edit errors of the truth's lines against the output and the truth's characters; ``leaders=False``
    scores neither the truth's nor the output's leaders (``drop_leaders``)."""
    if not leaders:
        output = drop_leaders(output)
        truth_lines = [drop_leaders(line) for line in truth_lines]
    hay = norm_text(output)
    errs = total = 0
    for line in truth_lines:
        t = norm_line(line)
        if not t:
            continue
        errs += substring_distance(t, hay)
        total += len(t)
    return errs, total


def char_errors(truth_lines: list[str], output: str) -> tuple[int, int]:
    truth = norm_text("\n".join(truth_lines))
    return Levenshtein.distance(truth, norm_text(output)), len(truth)


# --- the two OCRs ----------------------------------------------------------------------------------------


def bare_tesseract(path: Path) -> str:
    """Text from ``tesseract FILE - -l vie`` (PDF pages are rasterized to PNG first, untimed)."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    proc = subprocess.run(
        ["tesseract", str(path), "-", "-l", "vie"], capture_output=True, text=True, check=False, env=env
    )
    return proc.stdout


def pdf_to_pngs(path: Path, dpi: int, work: Path) -> list[Path]:
    stem = work / path.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(stem)], check=True)
    return sorted(work.glob(path.stem + "-*.png"))


def run_bench(args: argparse.Namespace, root: Path) -> dict:
    from ocr.config import OcrConfig
    from ocr.document import PagePool, page_summary
    from ocr.sources import inspect_source, iter_pages
    from ocr.tesseract import TesseractEngine

    levels = args.levels.split(",")
    paths = generate(root, specs(levels, args.per_level), args.seed)
    truths = {p: json.loads((root / "truth" / (p.stem + ".json")).read_text()) for p in paths}
    split = root / "split"
    split.mkdir(exist_ok=True)
    bare_inputs: dict[Path, list[Path]] = {}
    for p in paths:
        bare_inputs[p] = pdf_to_pngs(p, truths[p]["dpi"], split) if p.suffix == ".pdf" else [p]

    cfg = OcrConfig(workers=args.workers)
    engine = TesseractEngine(cfg)
    engine.probe()
    results: dict[str, dict] = {}
    with PagePool(engine, cfg) as pool:
        # warm the pool (process start-up is paid once per batch, not per page)
        warm = paths[0]
        info = inspect_source(warm, cfg)
        list(pool.read(iter_pages(warm, info, cfg), pages=max(2, info.page_count)))
        for level in levels:
            lv = [p for p in paths if truths[p]["level"] == level]
            r = {k: 0.0 for k in ("pages", "bare_s", "ours_s", "bare_le", "ours_le", "bare_ce", "ours_ce", "n")}
            r["empty_bare"] = r["empty_ours"] = 0
            per_doc = []
            bare_texts = {}
            t0 = time.perf_counter()
            for p in lv:
                bare_texts[p] = "\n".join(bare_tesseract(x) for x in bare_inputs[p])
            r["bare_s"] += time.perf_counter() - t0
            # The project reads a level as a batch does: every page of every document through one pool.
            t0 = time.perf_counter()
            infos = {p: inspect_source(p, cfg) for p in lv}

            def rasters(lv=lv, infos=infos):
                for p in lv:
                    yield from iter_pages(p, infos[p], cfg)

            results_iter = pool.read(rasters(), pages=sum(i.page_count for i in infos.values()))
            ours_texts = {}
            for p in lv:
                pages = [page_summary(next(results_iter)) for _ in range(infos[p].page_count)]
                ours_texts[p] = ("\n\n".join(x["text"] for x in pages), len(pages))
            r["ours_s"] += time.perf_counter() - t0
            for p in lv:
                t = truths[p]
                bare_text = bare_texts[p]
                ours_text, n_pages = ours_texts[p]
                r["pages"] += n_pages
                le_b, tot = line_errors(t["lines"], bare_text)
                le_o, _ = line_errors(t["lines"], ours_text)
                ce_b, ctot = char_errors(t["lines"], bare_text)
                ce_o, _ = char_errors(t["lines"], ours_text)
                r["bare_le"] += le_b
                r["ours_le"] += le_o
                r["bare_ce"] += ce_b
                r["ours_ce"] += ce_o
                r["n"] += tot
                r.setdefault("cn", 0)
                r["cn"] += ctot
                r["empty_bare"] += int(len(norm_text(bare_text)) < 0.2 * tot)
                r["empty_ours"] += int(len(norm_text(ours_text)) < 0.2 * tot)
                per_doc.append((p.name, round(le_b / tot, 4), round(le_o / tot, 4)))
            r["docs"] = per_doc
            results[level] = r
    return results


# --- memory ----------------------------------------------------------------------------------------------


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
        rss[int(d)] = pages
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def build_long_pdf(root: Path, pages: int, seed: int) -> Path:
    import pikepdf

    src = generate(root / "long-src", [Spec(t, "mild", 200, "pdf") for t in ("GKS", "LLTP", "GCNQSDD")], seed)
    out = root / f"long-{pages}.pdf"
    with pikepdf.new() as pdf:
        srcs = [pikepdf.open(p) for p in src]
        pool = [pg for s in srcs for pg in s.pages]
        for i in range(pages):
            pdf.pages.append(pool[i % len(pool)])
        pdf.save(out)
        for s in srcs:
            s.close()
    return out


MEMORY_CHILD = r"""
import sys, time
from pathlib import Path
from ocr.config import OcrConfig
from ocr.document import PagePool
from ocr.sources import inspect_source, iter_pages
from scripts.bench_ocr import NoOcr
path, engine_kind, workers = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
cfg = OcrConfig(workers=workers)
if engine_kind == "tesseract":
    from ocr.tesseract import TesseractEngine
    engine = TesseractEngine(cfg)
else:
    engine = NoOcr()
info = inspect_source(path, cfg)
n = 0
t0 = time.perf_counter()
with PagePool(engine, cfg) as pool:
    for r in pool.read(iter_pages(path, info, cfg), pages=info.page_count):
        n += 1
print(n, round(time.perf_counter() - t0, 1))
"""


class NoOcr(OcrEngine):
    """Stands in for Tesseract when only rasterizing and preprocessing are measured."""

    def recognize(self, gray, dpi):
        from ocr.model import PageText

        return PageText("", (), 0.0, gray.shape[1], gray.shape[0])


def measure_memory(pdf: Path, engine: str, workers: int) -> tuple[float, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", MEMORY_CHILD, str(pdf), engine, str(workers)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    stop.set()
    th.join()
    return peak, out.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-level", type=int, default=4, help="documents per level")
    ap.add_argument("--levels", default="clean,mild,harsh")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=0, help="page pool size (0 = one per core)")
    ap.add_argument("--memory-pages", type=int, default=0, help="also measure peak memory on an N-page PDF")
    ap.add_argument("--memory-engine", choices=["tesseract", "none"], default="tesseract")
    ap.add_argument("--keep", type=Path, help="keep the generated set in this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        print(f"machine: {os.cpu_count()} CPUs; tesseract: {_tesseract_version()}; workers={args.workers or 'cores'}")
        if args.per_level > 0:
            results = run_bench(args, root)
            print(
                f"{'level':6} {'docs':>4} {'pages':>5} | {'CER bare':>8} {'CER ours':>8} | "
                f"{'line bare':>9} {'line ours':>9} {'target':>6} | {'s/p bare':>8} {'s/p ours':>8} {'ratio':>5} | "
                f"{'empty b/o':>9}"
            )
            ok = True
            for level, r in results.items():
                pages = max(r["pages"], 1)
                ratio = r["ours_s"] / max(r["bare_s"], 1e-9)
                le = r["ours_le"] / max(r["n"], 1)
                target = TARGET_LINE_ERROR.get(level, 0.03)
                ok &= le <= target and ratio <= TARGET_TIME_RATIO
                print(
                    f"{level:6} {len(r['docs']):>4} {int(pages):>5} | "
                    f"{r['bare_ce'] / max(r['cn'], 1):>8.2%} {r['ours_ce'] / max(r['cn'], 1):>8.2%} | "
                    f"{r['bare_le'] / max(r['n'], 1):>9.2%} {le:>9.2%} {target:>6.1%} | "
                    f"{r['bare_s'] / pages:>8.2f} {r['ours_s'] / pages:>8.2f} {ratio:>5.2f} | "
                    f"{r['empty_bare']:>4}/{r['empty_ours']:<4}"
                )
                if os.environ.get("BENCH_VERBOSE"):
                    for name, b, o in r["docs"]:
                        print(f"    {name}: line error bare {b:.2%}, ours {o:.2%}")
            print("targets met" if ok else "targets NOT all met (see above)")
        if args.memory_pages:
            pdf = build_long_pdf(root, args.memory_pages, args.seed)
            peak, out = measure_memory(pdf, args.memory_engine, args.workers)
            pages, secs = [*out.split(), "?", "?"][:2]
            verdict = "OK" if peak < TARGET_PEAK_MB else "over target"
            print(
                f"memory: {pages} pages of a {args.memory_pages}-page PDF in {secs} s, engine={args.memory_engine}: "
                f"peak {peak:.0f} MB (target < {TARGET_PEAK_MB} MB: {verdict})"
            )
    return 0


def _tesseract_version() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False).stdout
        return out.split()[1]
    except Exception:
        return "?"


if __name__ == "__main__":
    raise SystemExit(main())
