"""Benchmark: reading a born-digital PDF (its text layer) against reading the same pages scanned (OCR).

For each generated paper (every type of the sample generator, ``--per-type`` seeds, layouts drawn by seed), the
same text is written as one-page PDFs: born-digital (the text drawn as text, as a word processor writes it), a
scan of it (an image only) and a legacy one (the image with a TCVN3 text layer). Each is read the way the batch
reads pages (``ocr.sources`` reads the text layer and rasterizes the page, ``ocr.page.read_page`` uses the layer
or OCRs), in this process, one page at a time. The born-digital page is read twice: as a digitized copy's page
(rendered at ``text_layer_dpi``, 200 dpi, its image archived in the PDF/A) and as an electronic original's
(rendered at the preview resolution, ``pipeline.originals.PREVIEW_DPI``). Prints the median seconds per page and
the ratios to the scan; the issue's target is a born-digital page at least 10× faster than the same page scanned.
Also counts born-digital pages (wrongly) OCR'd and legacy pages (wrongly) taken from their layer.

Run it by hand on a quiet machine (timings on a loaded one mean nothing):

    .venv/bin/python scripts/bench_born_digital.py --per-type 2
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ocr.config import OcrConfig  # noqa: E402
from ocr.page import read_page  # noqa: E402
from ocr.sources import inspect_source, iter_pages  # noqa: E402
from ocr.tesseract import TesseractEngine  # noqa: E402
from pipeline.originals import PREVIEW_DPI  # noqa: E402
from scripts.samplegen.born_digital import born_digital_pdf, vector_pdf  # noqa: E402
from scripts.samplegen.papers import GENERATORS, make_paper  # noqa: E402


def read(path: Path, engine: TesseractEngine, cfg: OcrConfig) -> tuple[float, list[str]]:
    t0 = time.perf_counter()
    info = inspect_source(path, cfg)
    origins = [read_page(r, engine, cfg).text.origin for r in iter_pages(path, info, cfg)]
    return time.perf_counter() - t0, origins


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--per-type", type=int, default=2)
    ap.add_argument("--seed", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cfg = OcrConfig(workers=1)
    preview = cfg.model_copy(update={"text_layer_dpi": PREVIEW_DPI})
    engine = TesseractEngine(cfg)
    engine.probe()
    digital, original, scanned, garbled = [], [], [], []
    wrong = {"born_digital_ocrd": 0, "legacy_layer_trusted": 0}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for code in GENERATORS:
            for k in range(args.per_type):
                lines = make_paper(code, random.Random(args.seed + k), "random").truth_lines()
                for enc, times, c in (
                    ("unicode", digital, cfg),
                    ("unicode", original, preview),
                    ("none", scanned, cfg),
                    ("tcvn3", garbled, cfg),
                ):
                    path = d / f"{code}-{k}-{enc}.pdf"
                    path.write_bytes(vector_pdf([lines]) if enc == "unicode" else born_digital_pdf([lines], enc))  # type: ignore[arg-type]
                    seconds, origins = read(path, engine, c)
                    times.append(seconds)
                    if enc == "unicode" and origins != ["text_layer"]:
                        wrong["born_digital_ocrd"] += 1
                    if enc == "tcvn3" and origins != ["ocr_garbled_layer"]:
                        wrong["legacy_layer_trusted"] += 1
    kinds = (("born_digital", digital), ("electronic_original", original), ("scanned", scanned), ("tcvn3", garbled))
    med = {k: statistics.median(v) for k, v in kinds}
    result = {
        "pages": len(digital),
        "seconds_per_page": {k: round(v, 3) for k, v in med.items()},
        "speed_ratio": round(med["scanned"] / med["born_digital"], 1),
        "speed_ratio_original": round(med["scanned"] / med["electronic_original"], 1),
        "wrong": wrong,
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        s = result["seconds_per_page"]
        print(
            f"{result['pages']} pages per kind; median s/page: born-digital {s['born_digital']}, scanned "
            f"{s['scanned']}, TCVN3 layer {s['tcvn3']}"
        )
        print(f"born-digital is {result['speed_ratio']}x faster than scanned (target ≥ 10x); wrong: {wrong}")
    return 0 if result["speed_ratio"] >= 10 and not any(wrong.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
