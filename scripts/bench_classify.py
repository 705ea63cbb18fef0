#!/usr/bin/env python3
"""Benchmark classification and field extraction on generated, OCR'd papers.

    python scripts/bench_classify.py [--out DIR] [--per-type N] [--levels clean,mild,harsh]
        [--layouts all|tuned|held-out] [--types GKS,...] [--dpi 200] [--seed N] [--workers 2] [--json]

Renders N papers of every type the sample generator knows at every degradation level — cycling through the
type's layouts (official forms old and new, inline, ruled table, label above value, dotted lines, two people
side by side), or only those used for tuning or only those held out of it — OCRs them with Tesseract exactly
as a batch does (``ocr.page.read_page``), then classifies and extracts with ``catalog.assess`` and the review
rules of the batch. The OCR result of each sample (text + words with boxes and confidences) is cached in
``DIR/ocr/`` so re-runs of the classifier cost seconds, not minutes.

Papers that print no owner ID are looked up in a directory of known owners built from the run's ground truth
(as if their ID cards were already archived), with namesakes added: one in four people has a namesake born
another day, one in twelve one born the same day in another commune.

Reported per layout set (tuned / held out) and level: type accuracy, exact match per field (every owner's),
share sent to review, and wrong-and-not-flagged (a wrong type, a wrong or missing owner, or a wrong key field
that would reach the warehouse without review).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KEY_FIELDS = ("id_number", "enterprise_code", "full_name", "date_of_birth", "issue_date", "valid_until")
DEFAULT_OUT = Path("bench-out/classify")
CACHE_VERSION = 3  # 2: word boxes and the upright page images (for the second read); 3: block and line numbers


def _ocr_one(scan: str, cache: str) -> str:
    """OCR one scan the way a batch does; write the cache file. Runs in a worker process."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import cv2

    from ocr.config import OcrConfig
    from ocr.page import read_page
    from ocr.sources import inspect_source, iter_pages
    from ocr.tesseract import TesseractEngine
    from signing.config import SigningConfig

    cfg = OcrConfig()
    engine = TesseractEngine(cfg)
    info = inspect_source(Path(scan), cfg)
    pages = []
    t0 = time.perf_counter()
    for raster in iter_pages(Path(scan), info, cfg):
        r = read_page(raster, engine, cfg)
        # the upright colour page as the batch keeps it (the second read cuts lines out of it)
        image = Path(cache).with_name(f"{Path(cache).stem}-p{len(pages) + 1}.jpg")
        cv2.imwrite(str(image), r.image, [cv2.IMWRITE_JPEG_QUALITY, SigningConfig().image_quality])
        pages.append(
            {
                "text": r.text.text,
                "confidence": r.text.confidence,
                "words": [
                    [w.text, round(w.conf, 1), w.left, w.top, w.width, w.height, w.block, w.line] for w in r.text.words
                ],
                "image": image.name,
                "dpi": r.dpi,
                "skew": r.skew,
            }
        )
    data = {"version": CACHE_VERSION, "pages": pages, "seconds": round(time.perf_counter() - t0, 2)}
    Path(cache).write_text(json.dumps(data, ensure_ascii=False))
    return cache


def _cache_ok(path: Path) -> bool:
    try:
        return json.loads(path.read_text()).get("version") == CACHE_VERSION
    except (OSError, ValueError):
        return False


def _load_ocr(path: Path):
    """Text, words (with boxes), OCR confidence and the pages' images, as the batch's classify stage has them."""
    import cv2

    from ocr.model import Word
    from ocr.reread import PageImage

    data = json.loads(path.read_text())
    text = "\n\n".join(p["text"] for p in data["pages"])
    words = [Word(t, left, top, w, h, c, *rest) for p in data["pages"] for t, c, left, top, w, h, *rest in p["words"]]
    chars = sum(len(p["text"]) for p in data["pages"])
    conf = sum(p["confidence"] * len(p["text"]) for p in data["pages"]) / chars if chars else 0.0
    images = [
        PageImage(functools.partial(cv2.imread, str(path.with_name(p["image"]))), p["dpi"], p["skew"], len(p["words"]))
        for p in data["pages"]
    ]
    return text, tuple(words), conf, images


def layout_names(type_code: str, which: str) -> list[str]:
    """The type's layouts in the set ``which``: all, tuned (used while tuning), held-out (both held-out groups),
    held-out-A or held-out-B."""
    from scripts.samplegen.papers import LAYOUTS

    lays = LAYOUTS[type_code]
    if which == "tuned":
        lays = tuple(x for x in lays if not x.held_out)
    elif which == "held-out":
        lays = tuple(x for x in lays if x.held_out)
    elif which in ("held-out-A", "held-out-B"):
        lays = tuple(x for x in lays if x.held_out == which[-1])
    elif which != "all":
        raise SystemExit(f"--layouts must be all, tuned, held-out, held-out-A or held-out-B, not {which!r}")
    return [x.name for x in lays]


def prepare(
    out: Path,
    types: list[str],
    levels: list[str],
    per_type: int,
    dpi: int,
    seed: int,
    workers: int,
    layouts: str = "all",
):
    """Generate the scans (deterministic) and OCR those not cached yet."""
    from scripts.make_samples import Spec, generate

    specs = []
    for lv in levels:
        for t in types:
            names = layout_names(t, layouts)
            specs += [Spec(t, lv, dpi, "png", names[i % len(names)]) for i in range(per_type) if names]
    # the generator names files by position, type, layout, level and resolution, which fix their content: one
    # folder per seed, resolution and layout set keeps the caches valid; only what is missing is generated
    gen_dir = out / f"seed{seed}-dpi{dpi}-{layouts}"
    wanted = []
    truth_dir = gen_dir / "truth"
    missing = [
        s
        for n, s in enumerate(specs, 1)
        if not (truth_dir / f"{n:03d}-{s.type_code}-{s.layout}-{s.level}-{dpi}.json").exists()
    ]
    if missing:
        generate(gen_dir, specs, seed=seed)
    (gen_dir / "ocr").mkdir(parents=True, exist_ok=True)
    todo = []
    for n, s in enumerate(specs, 1):
        name = f"{n:03d}-{s.type_code}-{s.layout}-{s.level}-{dpi}"
        cache = gen_dir / "ocr" / f"{name}.json"
        scan = next((gen_dir / "scans").glob(name + ".*"))
        wanted.append((name, gen_dir / "truth" / f"{name}.json", cache))
        if not _cache_ok(cache):
            todo.append((str(scan), str(cache)))
    if todo:
        print(f"OCR of {len(todo)} scans with {workers} worker(s)…", file=sys.stderr)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, _ in enumerate(pool.map(_ocr_one, *zip(*todo, strict=True)), 1):
                if i % 10 == 0 or i == len(todo):
                    print(f"  {i}/{len(todo)} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return wanted


def directory(wanted):
    """Known owners: everyone the run's papers belong to, with namesakes (see the module's docstring)."""
    import hashlib
    from datetime import date, timedelta

    from catalog.parties import KnownOwner, MemoryDirectory

    known = []
    for _, truth_path, _ in wanted:
        for p in json.loads(truth_path.read_text()).get("people", []):
            known.append(KnownOwner(p["owner_id"], p["name"], p["date_of_birth"], (p["place"],)))
            h = int(hashlib.sha256(p["owner_id"].encode()).hexdigest(), 16)
            dob = date.fromisoformat(p["date_of_birth"])
            twin = f"{p['owner_id'][:6]}{(int(p['owner_id'][6:]) + 1) % 10**6:06d}"
            if h % 4 == 0:  # a namesake born another day
                other = (dob + timedelta(days=1 + h % 300)).isoformat()
                known.append(KnownOwner(twin, p["name"], other, ("Xã Gia Sinh, huyện Gia Viễn, tỉnh Ninh Bình",)))
            elif h % 12 == 1:  # a namesake born the same day in another commune
                known.append(
                    KnownOwner(twin, p["name"], p["date_of_birth"], ("Xã Kim Định, huyện Kim Sơn, tỉnh Ninh Bình",))
                )
    return MemoryDirectory(known)


def evaluate(wanted, threshold: float | None = None, second_read: bool = True) -> dict:
    from catalog.assess import assess
    from catalog.config import CatalogConfig
    from catalog.types import default_document_types
    from ocr.config import OcrConfig
    from ocr.reread import Rereader
    from ocr.tesseract import TesseractEngine

    doc_types = default_document_types()
    cfg = CatalogConfig(second_read=second_read)
    if threshold is not None:
        cfg = cfg.model_copy(update={"review_threshold": threshold})
    ocr_cfg = OcrConfig()
    engine = TesseractEngine(ocr_cfg)
    known = directory(wanted)
    second_reads = 0

    def bucket() -> dict:
        return {
            "documents": 0,
            "type_correct": 0,
            "review": 0,
            "wrong": 0,
            "wrong_not_flagged": 0,
            "fields": defaultdict(lambda: [0, 0]),
            "ocr_seconds": 0.0,
            "assess_seconds": 0.0,
            "readable": 0,
            "readable_type_correct": 0,
        }

    per_level: dict[str, dict] = defaultdict(bucket)
    misses = []
    calibration = defaultdict(lambda: [0, 0, 0.0])  # confidence decile -> [n, correct, sum of confidences]
    for name, truth_path, cache in wanted:
        truth = json.loads(truth_path.read_text())
        text, words, ocr_conf, images = _load_ocr(cache)
        reread = Rereader(engine, ocr_cfg, images, words)
        t0 = time.perf_counter()
        a = assess(text, doc_types, cfg, words=words, ocr_confidence=ocr_conf, reread=reread, directory=known)
        assess_seconds = time.perf_counter() - t0
        second_reads += reread.reads
        group = truth.get("held_out")
        split = f"held-out-{group}" if isinstance(group, str) and group else "held-out-A" if group else "tuned"
        lv = per_level[f"{split}/{truth['level']}"]
        lv["documents"] += 1
        lv["ocr_seconds"] += json.loads(cache.read_text())["seconds"]
        lv["assess_seconds"] += assess_seconds  # classification, fields and the second reads (not the OCR)
        type_ok = a.type_code == truth["type"]
        lv["type_correct"] += type_ok
        if ocr_conf >= cfg.ocr_review_threshold:  # pages the OCR stage returned readable text for
            lv["readable"] += 1
            lv["readable_type_correct"] += type_ok
        top = a.candidates[0] if a.candidates else None
        if top:
            b = calibration[min(9, int(top[1] * 10))]
            b[0] += 1
            b[1] += top[0] == truth["type"]
            b[2] += top[1]
        flagged = bool(a.review)
        lv["review"] += flagged
        wrong_fields = []
        for key, want in truth["fields"].items():
            if key.rsplit(".", 1)[-1] not in KEY_FIELDS:
                continue
            got = a.fields.get(key)
            got_value = got.value if got is not None and got.value else None
            ok = got_value == want
            lv["fields"][key.rsplit(".", 1)[-1]][0] += 1
            lv["fields"][key.rsplit(".", 1)[-1]][1] += ok
            if not ok:
                wrong_fields.append((key, got_value, want))
        truth_owners = {(o["role"], o["owner_id"]) for o in truth.get("owners") or []}
        got_owners = {(o.role, o.owner_id) for o in a.owners}
        owner_ok = a.owner_id == truth["owner_id"] and (not truth_owners or got_owners == truth_owners)
        # what reaches the warehouse as reusable must be right: type, owners and the key fields read
        wrong = not type_ok or not owner_ok or any(got is not None for _, got, _ in wrong_fields)
        lv["wrong"] += wrong
        if wrong and not flagged:
            lv["wrong_not_flagged"] += 1
        if wrong or flagged or wrong_fields:  # a field not read counts as missed even on a flagless paper
            misses.append(
                {
                    "sample": name,
                    "type": truth["type"],
                    "layout": truth.get("layout"),
                    "got": a.type_code,
                    "confidence": a.type_confidence,
                    "flagged": list(a.review),
                    "second_read": list(a.second_read),
                    "owner_ok": owner_ok,
                    "wrong_fields": wrong_fields,
                }
            )
    report = {"levels": {}, "misses": misses, "calibration": {}, "second_reads": second_reads}
    for level, lv in sorted(per_level.items()):
        n = lv["documents"]
        counted = sum(v[0] for v in lv["fields"].values())
        report["levels"][level] = {
            "documents": n,
            "type_accuracy": round(lv["type_correct"] / n, 4),
            "ocr_readable": lv["readable"],
            "type_accuracy_readable": round(lv["readable_type_correct"] / lv["readable"], 4)
            if lv["readable"]
            else None,
            "sent_to_review": round(lv["review"] / n, 4),
            "wrong": lv["wrong"],
            "wrong_not_flagged": lv["wrong_not_flagged"],
            "wrong_not_flagged_rate": round(lv["wrong_not_flagged"] / n, 4),
            "fields_exact": round(sum(v[1] for v in lv["fields"].values()) / counted, 4) if counted else None,
            "field_exact_match": {k: round(v[1] / v[0], 4) for k, v in sorted(lv["fields"].items())},
            "field_counts": {k: v[0] for k, v in sorted(lv["fields"].items())},
            "ocr_seconds_per_doc": round(lv["ocr_seconds"] / n, 2),
            "assess_seconds_per_doc": round(lv["assess_seconds"] / n, 3),
        }
    total = sum(b[0] for b in calibration.values())
    ece = 0.0
    for d, (n, ok, conf_sum) in sorted(calibration.items()):
        report["calibration"][f"{d / 10:.1f}-{(d + 1) / 10:.1f}"] = {
            "n": n,
            "mean_confidence": round(conf_sum / n, 3),
            "top1_correct": round(ok / n, 3),
        }
        ece += n / total * abs(ok / n - conf_sum / n)
    report["expected_calibration_error"] = round(ece, 4)
    return report


def _pooled(report: dict, split: str, levels: tuple[str, ...]) -> str:
    """Fields exact, review and wrong-not-flagged over the groups whose name starts with ``split`` at these
    levels, pooled."""
    rows = [r for k, r in report["levels"].items() if k.startswith(split) and k.split("/")[1] in levels]
    counted = sum(sum(r["field_counts"].values()) for r in rows)
    if not counted:
        return "none"
    exact = sum(r["fields_exact"] * sum(r["field_counts"].values()) for r in rows if r["fields_exact"] is not None)
    docs = sum(r["documents"] for r in rows)
    review = sum(r["sent_to_review"] * r["documents"] for r in rows)
    wnf = sum(r["wrong_not_flagged"] for r in rows)
    return (
        f"n={docs}  fields exact {exact / counted:.3f} of {counted}  review {review / docs:.3f}  "
        f"wrong-not-flagged {wnf}"
    )


def main(argv: list[str] | None = None) -> int:
    from scripts.samplegen.papers import GENERATORS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--per-type", type=int, default=2)
    ap.add_argument("--levels", default="clean,mild,harsh")
    ap.add_argument("--types", default=",".join(sorted(GENERATORS)))
    ap.add_argument(
        "--layouts", default="all", help="all, tuned (layouts used for tuning), held-out, held-out-A or held-out-B"
    )
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=None, help="review threshold (default: CatalogConfig)")
    ap.add_argument("--no-second-read", action="store_true", help="score without the second read of doubtful words")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list every wrong or flagged document")
    args = ap.parse_args(argv)
    wanted = prepare(
        args.out,
        args.types.split(","),
        args.levels.split(","),
        args.per_type,
        args.dpi,
        args.seed,
        args.workers,
        args.layouts,
    )
    report = evaluate(wanted, args.threshold, second_read=not args.no_second_read)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    splits = ("tuned", "held-out-A", "held-out-B")
    for level in [f"{split}/{lv}" for split in splits for lv in args.levels.split(",")]:
        r = report["levels"].get(level)
        if not r:
            continue
        print(
            f"{level:15s} n={r['documents']:4d}  type acc {r['type_accuracy']:.3f} "
            f"(on the {r['ocr_readable']} with OCR confidence >= threshold: {r['type_accuracy_readable'] or 0:.3f})  "
            f"review {r['sent_to_review']:.3f}  "
            f"wrong {r['wrong']}  wrong-not-flagged {r['wrong_not_flagged']} ({r['wrong_not_flagged_rate']:.3f})  "
            f"OCR {r['ocr_seconds_per_doc']:.1f} s/doc, assess {r['assess_seconds_per_doc']:.2f} s/doc"
        )
        print(
            f"                fields exact {r['fields_exact'] or 0:.3f}: "
            + "  ".join(f"{k} {v:.3f}" for k, v in r["field_exact_match"].items())
        )
    bins = ", ".join(
        f"{k}: {v['n']}, {v['mean_confidence']:.2f} → {v['top1_correct']:.2f}" for k, v in report["calibration"].items()
    )
    print(f"top-1 type calibration (bin: n, mean confidence → share correct): {bins}")
    print(f"expected calibration error {report['expected_calibration_error']:.3f}")
    print(f"second reads of doubtful key-field words: {report['second_reads']}")
    for lv in args.levels.split(","):
        print(f"held-out A + B, {lv}: {_pooled(report, 'held-out', (lv,))}")
    if args.misses:
        for m in report["misses"]:
            print(json.dumps(m, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
