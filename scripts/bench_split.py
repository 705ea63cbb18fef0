"""Accuracy of cutting scanned stacks into documents (``pipeline.stacks``), on generated stacks with their truth.

    .venv/bin/python scripts/bench_split.py --stacks 6 --family held_out --seed 100

Reports, per family: document boundaries right (a boundary is the first page of a document; precision and
recall over all stacks), content pages lost or in two documents, receipts whose dossier code was assigned to
their dossier (and the documents after them), and the seconds spent looking at each page beside the seconds a
page's OCR takes in the same run (the ratio is what the target speaks of; timings on a loaded machine mean
little; the OCR seconds are a page's rendering and reading only, not its PDF/A, signature and storage). Tuning
was done on family ``tuned``; ``held_out`` is measured only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr.config import OcrConfig
from ocr.sources import inspect_source
from pipeline.intake_config import SplitConfig
from pipeline.stacks import analyse_stack
from scripts.samplegen.stacks import make_stack


def score(stack, split) -> dict:
    truth_starts = {d.pages[0] for d in stack.docs}
    got_starts = {p.pages[0] for p in split.parts}
    seen: dict[int, int] = {}
    for p in split.parts:
        for n in p.pages:
            seen[n] = seen.get(n, 0) + 1
    lost = [n for n in stack.content if seen.get(n, 0) == 0]
    twice = [n for n, c in seen.items() if c > 1]
    receipts = [d for d in stack.docs if d.receipt and d.code_readable]
    by_first = {p.pages[0]: p for p in split.parts}

    def assigned_of(ds) -> int:
        return sum(1 for d in ds if by_first.get(d.pages[0]) and by_first[d.pages[0]].dossier == d.dossier)

    assigned = assigned_of(receipts)
    coded = [d for d in receipts if d.style != "text"]
    printed = [d for d in receipts if d.style == "text"]
    docs_right = sum(
        1
        for d in stack.docs
        if (p := by_first.get(d.pages[0])) is not None
        and [n for n in p.pages if n in set(stack.content)] == d.pages
        and p.dossier == d.dossier
        and p.type_code == d.type_code
    )
    return {
        "boundaries_true": len(truth_starts),
        "boundaries_found": len(got_starts),
        "boundaries_right": len(truth_starts & got_starts),
        "pages_lost": len(lost),
        "pages_twice": len(twice),
        "receipts": len(receipts),
        "receipts_assigned": assigned,
        "code_receipts": len(coded),
        "code_receipts_assigned": assigned_of(coded),
        "text_receipts": len(printed),
        "text_receipts_assigned": assigned_of(printed),
        "documents": len(stack.docs),
        "documents_exact": docs_right,
        "flagged": sum(1 for p in split.parts if p.notes),
        "missed": sorted(truth_starts - got_starts),
        "invented": sorted(got_starts - truth_starts),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stacks", type=int, default=6)
    ap.add_argument("--family", choices=["tuned", "held_out"], default="held_out")
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--ocr-pages", type=int, default=1, help="content pages OCR'd per stack for the time ratio")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--receipt-text", choices=["all", "first", "off"], default="all")
    args = ap.parse_args()
    from ocr.tesseract import TesseractEngine

    ocr_cfg = OcrConfig()
    engine = TesseractEngine(ocr_cfg)
    cfg_sheets = SplitConfig(receipt_text=args.receipt_text)
    totals: dict[str, float] = {}
    look_s = 0.0
    timings: dict[str, float] = {}
    pages = 0
    ocr_s = 0.0
    ocr_n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.stacks):
            rng = random.Random(args.seed + k)
            stack = make_stack(rng, args.family)
            fmt = "tiff" if args.family == "held_out" and k % 3 == 2 else "pdf"
            path = stack.save(Path(tmp) / f"stack{k}.{'tif' if fmt == 'tiff' else 'pdf'}", fmt)
            info = inspect_source(path, ocr_cfg)
            # a site without separator sheets sets blank_run (two blank sheets: 2 or 4 pages)
            cfg = cfg_sheets.model_copy(update={"blank_run": 2 if stack.mode == "blank_run" else 0})
            t0 = time.perf_counter()
            split, signals = analyse_stack(path, info, cfg, ocr_cfg, lambda c: True, None, engine, timings)
            look_s += time.perf_counter() - t0
            pages += info.page_count
            s = score(stack, split)
            s["pages"] = info.page_count
            for key, v in s.items():
                if isinstance(v, int):
                    totals[key] = totals.get(key, 0) + v
            if s["missed"] or s["invented"]:
                by_page = {sig.index: sig for sig in signals}
                for n in s["missed"] + s["invented"]:
                    doc = next((d for d in stack.docs if d.pages[0] == n), None)
                    print(
                        f"  stack {k} page {n + 1}: {'missed' if n in s['missed'] else 'invented'}; truth "
                        f"{doc and {'receipt': doc.receipt, 'style': doc.style}}; seen {by_page.get(n)}",
                        file=sys.stderr,
                    )
            if not args.json:
                print(f"stack {k} ({fmt}, {info.page_count} pages, {stack.dpi} dpi): {s}", flush=True)
            if args.ocr_pages:
                from ocr.page import read_page
                from ocr.sources import load_page

                # what the OCR stage does for a page: render it, prepare and read it (pages of every stack, so
                # that both sides of the ratio see the same resolutions and the same load on the machine)
                for n in rng.sample(stack.content, min(args.ocr_pages, len(stack.content))):
                    t0 = time.perf_counter()
                    read_page(load_page(path, info, n, ocr_cfg), engine, ocr_cfg)
                    ocr_s += time.perf_counter() - t0
                    ocr_n += 1
    result = {
        "family": args.family,
        "receipt_text": args.receipt_text,
        "stacks": args.stacks,
        **{k: int(v) for k, v in totals.items()},
        "boundary_recall": round(totals["boundaries_right"] / max(totals["boundaries_true"], 1), 4),
        "boundary_precision": round(totals["boundaries_right"] / max(totals["boundaries_found"], 1), 4),
        "receipts_assigned_share": round(totals["receipts_assigned"] / max(totals["receipts"], 1), 4),
        "look_s_per_page": round(look_s / max(pages, 1), 3),
        **{f"{k}_s_per_page": round(v / max(pages, 1), 3) for k, v in timings.items()},
        "ocr_s_per_page": round(ocr_s / ocr_n, 3) if ocr_n else None,
    }
    if result["ocr_s_per_page"]:
        for k in ("look", *timings):
            result[f"{k}_vs_ocr"] = round(result[f"{k}_s_per_page"] / result["ocr_s_per_page"], 4)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
