#!/usr/bin/env python3
"""Generate synthetic Vietnamese papers as scans, with ground truth. Deterministic by seed.

    python scripts/make_samples.py OUT [--preset demo|mini|full] [--seed N]
        [--types GKS,GCNKH,...] [--levels clean,mild,harsh] [--dpi 200,300] [--formats png,jpg,tif,pdf]

Writes OUT/scans/<name>.<ext> (what a scanner would produce) and OUT/truth/<name>.json (type, owner,
fields, text, and the damage applied). Nothing here is committed; tests and `make demo` call it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.types import default_document_types
from scripts.samplegen import degrade
from scripts.samplegen.papers import GENERATORS, LAYOUTS, make_paper
from scripts.samplegen.render import render_paper

FORMATS = ("png", "jpg", "tif", "pdf")
EXT = {"png": ".png", "jpg": ".jpg", "tif": ".tif", "pdf": ".pdf"}
FIXED_DATE = time.gmtime(1767225600)  # 2026-01-01: generated files must not depend on the clock


@dataclass(frozen=True)
class Spec:
    type_code: str
    level: str = "clean"
    dpi: int = 200
    fmt: str = "png"
    layout: str | None = None
    """A layout of ``samplegen.papers.LAYOUTS`` (None: the type's first, classic one; "random": drawn by seed)."""


def preset(name: str) -> list[Spec]:
    types = list(GENERATORS)
    if name == "demo":
        fmts = ["png", "jpg", "pdf", "tif", "png", "jpg", "pdf", "png", "jpg", "png"]
        dpis = [300, 200, 200, 200, 200, 300, 200, 200, 300, 200]
        specs = [Spec(t, "clean", d, f) for t, f, d in zip(types[: len(fmts)], fmts, dpis, strict=True)]
        return [
            *specs,
            Spec("GKS", "mild", 300, "jpg"),
            Spec("LLTP", "mild", 200, "png"),
            Spec("XNCT", "rotated", 200, "png"),
            Spec("GCNKH", "clean", 200, "png", "suffix-inline"),  # two owners: either spouse finds it
            Spec("GCNQSDD", "clean", 200, "pdf", "2014-two"),  # two holders
        ]
    if name == "mini":
        return [
            Spec("GKS", "clean", 200, "png"),
            Spec("GCNQSDD", "clean", 200, "tif"),
            Spec("GCNDKDN", "clean", 200, "pdf"),
        ]
    if name == "full":
        out = []
        for i, t in enumerate(types):
            for j, level in enumerate(degrade.LEVELS):
                for dpi in (200, 300):
                    out.append(Spec(t, level, dpi, FORMATS[(i + j + dpi // 100) % 4]))
        return out
    raise SystemExit(f"unknown preset {name!r}")


def layouts_of(type_code: str, which: str) -> list[str | None]:
    """``first``: the classic layout; ``every``: each layout of the type; ``random``: one drawn per paper."""
    if which == "every":
        return [lay.name for lay in LAYOUTS[type_code]]
    return ["random"] if which == "random" else [None]


def generate(out: Path, specs: list[Spec], seed: int = 1) -> list[Path]:
    """Write scans and truth files; returns the scan paths. The same seed gives the same bytes."""
    doc_types = default_document_types()
    (out / "scans").mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    written = []
    for n, spec in enumerate(specs, 1):
        salt = f":{spec.layout}" if spec.layout else ""
        rng = random.Random(f"{seed}:{n}:{spec.type_code}:{spec.level}:{spec.dpi}:{spec.fmt}{salt}")
        paper = make_paper(spec.type_code, rng, spec.layout)
        pages = render_paper(paper, spec.dpi, rng)
        fmt = spec.fmt
        if len(pages) > 1 and fmt in ("png", "jpg"):
            fmt = "tif" if fmt == "png" else "pdf"  # a multi-page paper needs a multi-page format
        damages = [degrade.plan(spec.level, rng) for _ in pages]
        pages = [degrade.apply(p, d, rng) for p, d in zip(pages, damages, strict=True)]
        name = f"{n:03d}-{spec.type_code}-{spec.level}-{spec.dpi}"
        if spec.layout:
            name = f"{n:03d}-{spec.type_code}-{paper.layout}-{spec.level}-{spec.dpi}"
        path = out / "scans" / (name + EXT[fmt])
        dpi = (spec.dpi, spec.dpi)
        if fmt == "png":
            pages[0].save(path, dpi=dpi)
        elif fmt == "jpg":
            pages[0].save(path, quality=damages[0].jpeg_quality or 92, dpi=dpi)
        elif fmt == "tif":
            pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=dpi)
        else:
            pages[0].save(
                path,
                "PDF",
                save_all=True,
                append_images=pages[1:],
                resolution=float(spec.dpi),
                quality=damages[0].jpeg_quality or 90,
                creationDate=FIXED_DATE,  # Pillow would stamp the current time
                modDate=FIXED_DATE,
            )
        t = doc_types.get(spec.type_code)
        truth = {
            "file": path.name,
            "type": spec.type_code,
            "type_name": t.name_vi if t else None,
            "owner_id": paper.owner_id,
            "owners": paper.owners,
            "people": paper.people,
            "layout": paper.layout,
            "held_out": paper.held_out,
            "fields": paper.fields,
            "text": "\n".join(paper.truth_lines()),
            "lines": paper.truth_lines(),
            "pages": len(pages),
            "dpi": spec.dpi,
            "level": spec.level,
            "format": fmt,
            "damage": [asdict(d) for d in damages],
        }
        (out / "truth" / (name + ".json")).write_text(json.dumps(truth, ensure_ascii=False, indent=1))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--preset", default="demo", choices=["demo", "mini", "full", "custom"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--types", default=",".join(GENERATORS))
    ap.add_argument("--levels", default="clean")
    ap.add_argument("--dpi", default="200")
    ap.add_argument("--formats", default="png")
    ap.add_argument(
        "--layouts",
        default="first",
        help="custom preset: first (each type's classic layout), every (each layout once), or random",
    )
    args = ap.parse_args(argv)
    if args.preset == "custom":
        specs = [
            Spec(t, lv, int(d), f, layout)
            for t in args.types.split(",")
            for layout in layouts_of(t, args.layouts)
            for lv in args.levels.split(",")
            for d in args.dpi.split(",")
            for f in args.formats.split(",")
        ]
    else:
        specs = preset(args.preset)
    paths = generate(args.out, specs, args.seed)
    if args.preset == "demo":
        paths.append(write_demo_stack(args.out, args.seed))
    print(f"{len(paths)} scans in {args.out / 'scans'}, ground truth in {args.out / 'truth'}")
    return 0


def write_demo_stack(out: Path, seed: int) -> Path:
    """One scanned stack as a document feeder writes it (``scripts.samplegen.stacks.demo_stack``): a reception
    receipt and two papers with separator sheets and blank backs, in one PDF. Its truth (which pages make which
    document, the dossier code) goes to ``truth/stacks/``, apart from the one-paper truths."""
    from scripts.samplegen.stacks import demo_stack

    stack, code = demo_stack(random.Random(seed))
    path = stack.save(out / "scans" / "xap-giay-tiep-nhan.pdf")
    truth = {
        "file": path.name,
        "dossier_code": code,
        "documents": [
            {"pages": [p + 1 for p in d.pages], "type": d.type_code, "receipt": d.receipt} for d in stack.docs
        ],
        "pages": len(stack.pages),
    }
    (out / "truth" / "stacks").mkdir(parents=True, exist_ok=True)
    (out / "truth" / "stacks" / (path.stem + ".json")).write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return path


if __name__ == "__main__":
    raise SystemExit(main())
