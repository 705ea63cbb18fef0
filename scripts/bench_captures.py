#!/usr/bin/env python3
"""Benchmark the project on captures as a counter receives them, against bare ``tesseract -l vie``.

    python scripts/bench_captures.py [--per-kind 3] [--seed 1] [--kinds photo,small,...] [--text-layer 3]
                                     [--blank-pages 2000] [--keep DIR]

Generates its own captures (``scripts/samplegen/captures.py``): the tuned group is the kinds looked at while
building (phone photos on a desk, small e-mailed JPEGs without resolution, 16-bit grey PNG, 1-bit G4 TIFF,
owner-password PDFs) on each paper type's classic layouts; the held-out group is kinds and layouts never
looked at while tuning (a dark, warm-lit photo held sideways with an EXIF tag, a 96-dpi screenshot, a 16-bit
TIFF on greyish paper, a G4 page in a PDF; the papers' held-out layouts). Both OCRs read the same files in
the same run. Printed per kind and per group:

- line error (order-insensitive, as ``bench_ocr.py``) of bare Tesseract and of the project. The dotted and
  underscored leaders of a form ("Họ, chữ đệm, tên: ....... NGUYỄN VĂN A .......") are not content: they are
  taken out of the truth and of both readers' text alike before scoring (``bench_ocr.drop_leaders``: two or
  more underscores, four or more dots in a row). The figure with leaders scored as characters is
  printed beside it ("with leaders");
- empty pages: captures whose text comes back with less than a fifth of the truth's characters;
- seconds per capture for each and the ratio (wall clock; meaningless on a loaded machine), and the ratio of
  CPU seconds (bare: the ``tesseract`` process with its default threads; the project: this process and its
  Tesseract children), which a busy machine disturbs much less.

``--text-layer N`` also builds the signed PDF/A's two layers (``signing.pdfa``) for N papers per level of
``bench_ocr.py`` (clean, mild, harsh) and prints the line error of the text ``pdftotext FILE -`` reads back in
its default order beside that of the project's OCR text (and OCRmyPDF's, when ``ocrmypdf`` is installed).
``--blank-pages N`` times ``sohoa ocr`` on a PDF of N empty pages.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2

from scripts.bench_ocr import bare_tesseract, line_errors, norm_text, pdf_to_pngs
from scripts.bench_ocr import specs as ocr_specs
from scripts.make_samples import generate
from scripts.samplegen.captures import HELD_OUT_KINDS, KINDS, write_captures

TARGET_LINE_ERROR = 0.02
TARGET_TEXT_LAYER_GAP = 0.005


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) used so far by this process and by its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _empty(text: str, total: int) -> bool:
    return len(norm_text(text)) < 0.2 * total


def read_captures(paths: list[Path], root: Path, work: Path) -> list[dict]:
    texts = root / "texts"
    texts.mkdir(exist_ok=True)
    from ocr.config import OcrConfig
    from ocr.document import read_document
    from ocr.tesseract import TesseractEngine

    cfg = OcrConfig(workers=1)
    engine = TesseractEngine(cfg)
    engine.probe()
    rows = []
    for p in paths:
        truth = json.loads((root / "truth" / (p.stem + ".json")).read_text())
        c0, t0 = _cpu(), time.perf_counter()
        inputs = pdf_to_pngs(p, 300, work) if p.suffix == ".pdf" else [p]
        bare = "\n".join(bare_tesseract(x) for x in inputs)
        c1, t1 = _cpu(), time.perf_counter()
        doc = read_document(p, cfg, engine=engine)
        c2, t2 = _cpu(), time.perf_counter()
        (texts / (p.stem + ".bare.txt")).write_text(bare)
        (texts / (p.stem + ".ours.txt")).write_text(doc.text)
        eb, total = line_errors(truth["lines"], bare, leaders=False)
        eo, _ = line_errors(truth["lines"], doc.text, leaders=False)
        ebl, total_l = line_errors(truth["lines"], bare)
        eol, _ = line_errors(truth["lines"], doc.text)
        page = doc.pages[0]
        rows.append(
            {
                "file": p.name,
                "kind": truth["kind"],
                "held_out": truth["held_out"],
                "total": total,
                "bare_errors": eb,
                "ours_errors": eo,
                "total_with_leaders": total_l,
                "bare_errors_with_leaders": ebl,
                "ours_errors_with_leaders": eol,
                "bare_empty": _empty(bare, total),
                "ours_empty": _empty(doc.text, total),
                "bare_s": t1 - t0,
                "ours_s": t2 - t1,
                "bare_cpu_s": (c1[0] - c0[0]) + (c1[1] - c0[1]),
                "ours_cpu_s": (c2[0] - c1[0]) + (c2[1] - c1[1]),
                "dpi": page["dpi"],
                "dpi_source": page["dpi_source"],
                "steps": page["steps"],
            }
        )
        r = rows[-1]
        print(
            f"  {p.name:48s} bare {eb / total:6.2%}  ours {eo / total:6.2%}  {page['dpi']:6.1f} dpi "
            f"({page['dpi_source']})  with leaders: bare {ebl / total_l:6.2%} ours {eol / total_l:6.2%}  "
            f"s bare {t1 - t0:5.2f} ours {t2 - t1:5.2f}  cpu s bare {r['bare_cpu_s']:5.2f} ours {r['ours_cpu_s']:5.2f}",
            flush=True,
        )
        del r
    return rows


def summarize(rows: list[dict], label: str) -> dict:
    out = {"captures": len(rows)}
    for k in (
        "total",
        "bare_errors",
        "ours_errors",
        "total_with_leaders",
        "bare_errors_with_leaders",
        "ours_errors_with_leaders",
        "bare_s",
        "ours_s",
        "bare_cpu_s",
        "ours_cpu_s",
    ):
        out[k] = sum(r[k] for r in rows)
    out["bare_empty"] = sum(r["bare_empty"] for r in rows)
    out["ours_empty"] = sum(r["ours_empty"] for r in rows)
    out["worse_than_bare"] = sum(r["ours_errors"] > r["bare_errors"] for r in rows)
    out["worse_with_leaders"] = sum(r["ours_errors_with_leaders"] > r["bare_errors_with_leaders"] for r in rows)
    n = max(out["total"], 1)
    nl = max(out["total_with_leaders"], 1)
    print(
        f"{label:22s} {out['captures']:3d} captures  line error bare {out['bare_errors'] / n:6.2%}  "
        f"ours {out['ours_errors'] / n:6.2%}  empty bare {out['bare_empty']} ours {out['ours_empty']}  "
        f"worse than bare {out['worse_than_bare']}  time ratio {out['ours_s'] / max(out['bare_s'], 1e-9):.2f}"
        f"  cpu ratio {out['ours_cpu_s'] / max(out['bare_cpu_s'], 1e-9):.2f}"
        f"  (with leaders: bare {out['bare_errors_with_leaders'] / nl:6.2%} ours "
        f"{out['ours_errors_with_leaders'] / nl:6.2%}, worse {out['worse_with_leaders']})"
    )
    return out


def text_layer(root: Path, per_level: int, seed: int) -> dict:
    """Line error of the OCR text and of the signed PDF's text read back with pdftotext, per level."""
    from ocr.config import OcrConfig
    from ocr.page import read_page
    from ocr.sources import inspect_source, iter_pages
    from ocr.tesseract import TesseractEngine
    from signing.config import SigningConfig
    from signing.pdfa import PdfMetadata, PdfPage, build_pdfa

    cfg = OcrConfig(workers=1)
    engine = TesseractEngine(cfg)
    levels = ["clean", "mild", "harsh"]
    paths = generate(root, ocr_specs(levels, per_level), seed)
    font = SigningConfig().text_font_path
    ocrmypdf = shutil.which("ocrmypdf") or shutil.which("ocrmypdf", path=str(Path(sys.executable).parent))
    failed = 0
    out: dict[str, dict] = {}
    for p in paths:
        truth = json.loads((root / "truth" / (p.stem + ".json")).read_text())
        info = inspect_source(p, cfg)
        pages, texts = [], []
        for raster in iter_pages(p, info, cfg):
            r = read_page(raster, engine, cfg)
            ok, jpeg = cv2.imencode(".jpg", r.image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if not ok:
                raise RuntimeError("JPEG encoding failed")
            h, w = r.image.shape[:2]
            pages.append(PdfPage(jpeg.tobytes(), w, h, r.dpi, r.text.words))
            texts.append(r.text.text)
        meta = PdfMetadata(p.stem, "000.00.00.H42-261207-0001.01", "bench", datetime(2026, 12, 7, tzinfo=UTC))
        pdf = build_pdfa(pages, meta, font)
        back = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        eo, total = line_errors(truth["lines"], "\n\n".join(texts))
        ep, _ = line_errors(truth["lines"], back)
        row = out.setdefault(truth["level"], defaultdict(float))
        row["total"] += total
        row["ocr_errors"] += eo
        row["pdftotext_errors"] += ep
        if ocrmypdf:
            with tempfile.TemporaryDirectory() as d:
                dst = Path(d) / "o.pdf"
                # an image without a resolution of its own is given the one it was rendered at
                dpi = [] if p.suffix == ".pdf" else ["--image-dpi", str(round(info.pages[0].dpi or cfg.fallback_dpi))]
                cmd = [ocrmypdf, "-l", "vie", "--deskew", "--output-type", "pdf", "-q", *dpi, str(p), str(dst)]
                subprocess.run(cmd, check=False, capture_output=True)
                if dst.exists():
                    om = subprocess.run(["pdftotext", str(dst), "-"], capture_output=True).stdout.decode()
                else:  # counted as nothing read, and said
                    om = ""
                    failed += 1
                row["ocrmypdf_errors"] += line_errors(truth["lines"], om)[0]
    for level in levels:
        r = out.get(level)
        if not r:
            continue
        n = r["total"]
        extra = f"  OCRmyPDF's PDF by pdftotext {r['ocrmypdf_errors'] / n:6.2%}" if ocrmypdf else "  (no OCRmyPDF)"
        gap = (r["pdftotext_errors"] - r["ocr_errors"]) / n
        print(
            f"text layer {level:6s} OCR text {r['ocr_errors'] / n:6.2%}  pdftotext of the signed PDF "
            f"{r['pdftotext_errors'] / n:6.2%}  (gap {gap * 100:+.2f} points){extra}"
        )
    if failed:
        print(f"OCRmyPDF failed on {failed} papers (counted as read empty)")
    return {k: dict(v) for k, v in out.items()}


def blank_pages(root: Path, n: int) -> float:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(n):
        pdf.add_blank_page(page_size=(595, 842))
    path = root / f"blank-{n}.pdf"
    pdf.save(path)
    t0 = time.perf_counter()
    sohoa = Path(sys.executable).parent / "sohoa"
    subprocess.run([str(sohoa), "ocr", str(path), "--json"], capture_output=True, check=True)
    seconds = time.perf_counter() - t0
    print(f"blank pages: {n} empty pages ({path.stat().st_size // 1024} KB) read by `sohoa ocr` in {seconds:.1f} s")
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-kind", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS + HELD_OUT_KINDS))
    ap.add_argument("--text-layer", type=int, default=0, help="papers per level for the text-layer check (0: none)")
    ap.add_argument("--blank-pages", type=int, default=0)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-captures-"))
    root.mkdir(parents=True, exist_ok=True)
    work = root / "split"
    work.mkdir(exist_ok=True)
    kinds = args.kinds.split(",")
    tuned = [k for k in kinds if k in KINDS]
    held = [k for k in kinds if k in HELD_OUT_KINDS]
    result: dict = {}
    for label, group, held_out in (("tuned", tuned, False), ("held-out", held, True)):
        if not group:
            continue
        print(f"{label}: {', '.join(group)}", flush=True)
        paths = write_captures(root / label, group, args.per_kind, args.seed, held_out=held_out)
        rows = read_captures(paths, root / label, work)
        per_kind = {k: summarize([r for r in rows if r["kind"] == k], k) for k in group}
        result[label] = {"rows": rows, "kinds": per_kind, "all": summarize(rows, f"ALL {label}")}
    if args.text_layer:
        result["text_layer"] = text_layer(root / "text-layer", args.text_layer, args.seed)
    if args.blank_pages:
        result["blank_pages_s"] = blank_pages(root, args.blank_pages)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
