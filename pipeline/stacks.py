"""Look at every page of an input file and cut it into documents (``pipeline.split``) before the batch is recorded.

For each page: its QR codes and Code 128 barcodes (``ocr.barcodes``) and whether it is blank (``ocr.blank``);
then a Tesseract pass over the top third of every page without a code (or only of each document's first page,
``receipt_text = "first"``), eight pages to a call, to recognise a reception receipt printed without a code.
A file cut into several documents becomes several planned items, each naming its pages; a file that is one
document stays one item, as before (same key, same behaviour).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from catalog.types import DocumentTypes
from ocr.barcodes import read_codes
from ocr.blank import judge_blank
from ocr.config import OcrConfig
from ocr.errors import BadInput
from ocr.sources import SourceInfo, inspect_source, iter_pages
from pipeline.intake_config import SplitConfig
from pipeline.model import Declared, PlannedItem
from pipeline.split import PageSignal, Split, SplitRules, split_stack

log = logging.getLogger("sohoa.stacks")
PDF_CHUNK = 8
"""PDF pages rendered per poppler call while a stack is looked at (memory stays flat on long stacks)."""
RECEIPT_BAND = 0.33
"""Top fraction of a page read for a receipt's title and its "Mã hồ sơ"."""
RECEIPT_DPI = 150.0
BANDS_PER_CALL = 8


def page_images(path: Path, info: SourceInfo, cfg: SplitConfig, ocr_cfg: OcrConfig, only=None) -> Iterator:
    """(page from 0, grey image, dpi) for every page of a checked file, or those in ``only``."""
    wanted = sorted(set(range(info.page_count) if only is None else only))
    if info.media_type == "application/pdf":
        from pdf2image import convert_from_path

        scanned = _scanned_pdf_pages(path, wanted)
        for n, gray, dpi in scanned:
            yield n, gray, dpi
        wanted = [n for n in wanted if n not in {s[0] for s in scanned}]
        runs: list[list[int]] = []
        for n in wanted:
            if runs and n == runs[-1][-1] + 1 and len(runs[-1]) < PDF_CHUNK:
                runs[-1].append(n)
            else:
                runs.append([n])
        for run in runs:
            images = convert_from_path(
                str(path), dpi=cfg.analysis_dpi, first_page=run[0] + 1, last_page=run[-1] + 1, grayscale=True,
                thread_count=1, timeout=max(60, int(ocr_cfg.page_timeout_s)),
            )  # fmt: skip
            for n, im in zip(run, images, strict=False):
                yield n, np.asarray(im.convert("L")), float(cfg.analysis_dpi)
        return
    for raster in iter_pages(path, replace(info, selected=tuple(wanted)), ocr_cfg):
        yield raster.index, cv2.cvtColor(raster.image, cv2.COLOR_BGR2GRAY), raster.dpi


def _scanned_pdf_pages(path: Path, wanted: list[int]) -> list[tuple[int, np.ndarray, float]]:
    """Pages of a scanner's PDF that are one full-page image each, taken from the file without rendering (the
    image is the page). Others are left to poppler."""
    import pikepdf
    from pikepdf import PdfImage

    out: list[tuple[int, np.ndarray, float]] = []
    try:
        with pikepdf.open(path) as pdf:
            for n in wanted:
                page = pdf.pages[n]
                found = page.get_images() if hasattr(page, "get_images") else page.images
                images = list(found.values())
                if len(images) != 1 or page.obj.get("/Contents") is None:
                    continue
                box = [float(v) for v in page.mediabox]
                w_pt, h_pt = abs(box[2] - box[0]), abs(box[3] - box[1])
                pil = _page_image(images[0], PdfImage)
                rotate = int(page.obj.get("/Rotate", 0)) % 360
                if rotate:
                    pil = pil.rotate(-rotate, expand=True)
                    if rotate in (90, 270):
                        w_pt, h_pt = h_pt, w_pt
                if abs(pil.width / pil.height - w_pt / h_pt) > 0.02 or pil.width < w_pt:
                    continue  # not one image filling the page
                out.append((n, np.asarray(pil.convert("L")), pil.width / (w_pt / 72)))
    except Exception:  # anything unusual: poppler renders the page
        return []
    return out


def _page_image(stream, pdf_image):
    """A page's image, grey; a JPEG is decoded for its luminance only (the scanner's usual PDF: much cheaper)."""
    import io

    from PIL import Image

    if stream.get("/Filter") == "/DCTDecode" and not stream.get("/DecodeParms"):
        im = Image.open(io.BytesIO(stream.read_raw_bytes()))
        im.draft("L", im.size)
        return im.convert("L")
    return pdf_image(stream).as_pil_image().convert("L")


def look_at_page(n: int, gray: np.ndarray, dpi: float, cfg: SplitConfig) -> PageSignal:
    codes = read_codes(gray, dpi) if (cfg.separators or cfg.receipts) else None
    verdict = judge_blank(gray, dpi, cfg.blank_max_ink)
    texts = tuple(c.text for c in codes.codes) if codes else ()
    return PageSignal(n, verdict.blank and not texts, texts, codes.unreadable if codes else ())


# --- a receipt recognised by its printed text -----------------------------------------------------------------
_D = "[0-9OoIl|]"
_PRINTED_CODE = re.compile(rf"{_D}{{3}}\.{_D}{{2}}\.{_D}{{2}}\.[A-Z]{_D}{{2}}-{_D}{{6}}-{_D}{{4}}")
_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).upper()


def receipt_in_text(text: str) -> str | None:
    """The dossier code printed on a reception receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả … Mã hồ sơ:
    …"), ``""`` when the page is a receipt whose code cannot be read, None when it is not a receipt."""
    folded = fold(text)
    if "TIEP NHAN HO SO" not in re.sub(r"\s+", " ", folded):
        return None
    compact = re.sub(r"\s+", "", text).replace("–", "-").replace("—", "-")
    label = re.search(r"MAHOSO[:.]?", fold(compact))
    after = compact[label.end() :] if label else compact
    m = _PRINTED_CODE.search(after)
    if m is None:
        return ""
    raw = m.group(0)
    head, letter, tail = raw[:11], raw[11], raw[12:]
    return head.translate(_DIGITS) + letter + tail.translate(_DIGITS)


def _lines_text(words) -> str:
    """Words back into lines (by their vertical middles), each line left to right."""
    lines: list[list] = []
    for w in sorted(words, key=lambda w: w.top + w.height / 2):
        middle = w.top + w.height / 2
        if lines and middle <= lines[-1][0] + max(lines[-1][1], 1) * 0.6:
            lines[-1][2].append(w)
        else:
            lines.append([middle, w.height, [w]])
    return "\n".join(" ".join(x.text for x in sorted(line[2], key=lambda w: w.left)) for line in lines)


def receipt_bands(pages: list[tuple[int, np.ndarray, float]], engine) -> dict[int, str | None]:
    """``receipt_in_text`` of the top of each page, read in one Tesseract call per ``BANDS_PER_CALL`` pages (the
    bands stacked on one canvas: Tesseract's start and model load are paid once, not per page)."""
    out: dict[int, str | None] = {}
    gap = int(RECEIPT_DPI / 4)
    for k in range(0, len(pages), BANDS_PER_CALL):
        chunk = pages[k : k + BANDS_PER_CALL]
        bands = []
        for _, gray, dpi in chunk:
            band = gray[: int(gray.shape[0] * RECEIPT_BAND)]
            f = min(1.0, RECEIPT_DPI / dpi)
            bands.append(cv2.resize(band, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else band)
        width = max(b.shape[1] for b in bands)
        canvas = np.full((sum(b.shape[0] + gap for b in bands) + gap, width), 255, np.uint8)
        spans, y = [], gap
        for b in bands:
            canvas[y : y + b.shape[0], : b.shape[1]] = b
            spans.append((y, y + b.shape[0]))
            y += b.shape[0] + gap
        try:
            words = engine.recognize(canvas, RECEIPT_DPI).words
        except Exception as e:  # the receipt check is a help; the page's own OCR later reports a real problem
            log.warning("receipt text not read: %s", type(e).__name__)
            continue
        for (n, _, _), (top, bottom) in zip(chunk, spans, strict=True):
            mine = [w for w in words if top <= w.top + w.height / 2 < bottom]
            out[n] = receipt_in_text(_lines_text(mine))
    return out


# --- a whole stack ----------------------------------------------------------------------------------------------
def analyse_stack(
    path: Path,
    info: SourceInfo,
    cfg: SplitConfig,
    ocr_cfg: OcrConfig,
    known_type: Callable[[str], bool] | None = None,
    dossier: str | None = None,
    engine=None,
) -> tuple[Split, list[PageSignal]]:
    """The split of one checked file, and what was seen on each page."""
    rules = SplitRules(cfg.separators, cfg.receipts, cfg.drop_blank, cfg.blank_run)
    signals = sorted(
        (look_at_page(n, g, dpi, cfg) for n, g, dpi in page_images(path, info, cfg, ocr_cfg)), key=lambda s: s.index
    )
    split = split_stack(signals, rules, known_type, dossier)
    if cfg.receipts and cfg.receipt_text != "off" and engine is not None:
        if cfg.receipt_text == "first":
            firsts = [p.pages[0] for p in split.parts if not p.receipt and p.started_by != "bad_code"]
        else:  # every page that is not blank and carries no code of ours
            ours = {n for p in split.parts if p.receipt for n in p.pages} | {n for n, _ in split.dropped}
            firsts = [s.index for s in signals if not s.blank and s.index not in ours]
        if firsts:
            by_page = {s.index: s for s in signals}
            texts = receipt_bands(list(page_images(path, info, cfg, ocr_cfg, only=firsts)), engine)
            found = {n: t for n, t in texts.items() if t is not None}
            for n, text in found.items():
                by_page[n] = replace(by_page[n], receipt_text=text)
            if found:
                signals = [by_page[s.index] for s in signals]
                split = split_stack(signals, rules, known_type, dossier)
    return split, signals


def page_ranges(pages: list[int] | tuple[int, ...]) -> str:
    """``[0, 1, 2, 5]`` → ``p1-3,6`` (pages from 1, as a clerk counts them)."""
    out: list[str] = []
    start = prev = None
    for p in sorted(pages):
        if start is None:
            start = prev = p
        elif p == prev + 1:
            prev = p
        else:
            out.append(f"{start + 1}" if start == prev else f"{start + 1}-{prev + 1}")
            start = prev = p
    if start is not None:
        out.append(f"{start + 1}" if start == prev else f"{start + 1}-{prev + 1}")
    return "p" + ",".join(out)


def items_of_split(item: PlannedItem, split: Split, page_count: int) -> list[PlannedItem]:
    """The planned items of one file's split (ordinals to be renumbered by the caller)."""
    parts = split.parts
    if not parts:
        return [
            replace(
                item,
                problem=(
                    "stack_only_separators",
                    f"{item.input}: only separator sheets or blank pages, no document",
                    f"{item.input}: chỉ có tờ phân cách hoặc trang trắng, không có tài liệu nào",
                ),
            )
        ]
    whole = len(parts) == 1 and parts[0].pages == list(range(page_count))
    only = parts[0] if whole else None
    if only is not None and not only.notes and only.dossier == item.declared.dossier and only.type_code is None:
        return [item]  # one document, nothing to add: exactly as without splitting
    dropped = [[n + 1, why] for n, why in split.dropped]
    out = []
    for k, part in enumerate(parts, 1):
        base = item.declared
        declared = Declared(
            dossier=part.dossier,
            kind="component" if part.receipt else base.kind,
            owner_id=base.owner_id,
            procedure=base.procedure,
            type_code=part.type_code or base.type_code,
            agency=base.agency,
            notes=tuple(base.notes)
            + tuple(f"split: {vi} / {en}" for en, vi in part.notes)
            + (
                (f"receipt: giấy tiếp nhận hồ sơ {part.dossier} / reception receipt of dossier {part.dossier}",)
                if part.receipt
                else ()
            ),
        )
        stack = {
            "input": item.input,
            "part": k,
            "parts": len(parts),
            "pages_total": page_count,
            "started_by": part.started_by,
            "receipt": part.receipt,
            "dropped": dropped,
        }
        if whole:  # the file is one document (e.g. a receipt scanned alone): its key stays the file's
            return [replace(item, declared=declared)]
        name = f"{item.input}#{page_ranges(part.pages)}"
        out.append(
            PlannedItem(item.ordinal, name, item.files, declared, None, len(part.pages), tuple(part.pages), stack)
        )
    return out


def split_items(
    items: list[PlannedItem],
    cfg: SplitConfig,
    ocr_cfg: OcrConfig,
    doc_types: DocumentTypes,
    engine_factory: Callable[[], object] | None = None,
) -> tuple[list[PlannedItem], dict[str, Split]]:
    """Every file of the plan looked at and cut into its documents; items renumbered in order. Also the split of
    each file cut into several (by input name), for the record of stacks."""
    if not cfg.enabled:
        return items, {}
    engine = None
    out: list[PlannedItem] = []
    splits: dict[str, Split] = {}
    for item in items:
        if item.problem is not None or len(item.files) != 1 or item.pages is not None:
            out.append(item)
            continue
        path = Path(item.files[0])
        try:
            info = inspect_source(path, ocr_cfg)
        except BadInput:  # the item's run quarantines it with the reason
            out.append(item)
            continue
        if engine is None and engine_factory is not None and cfg.receipt_text != "off":
            engine = engine_factory()
        try:
            split, _ = analyse_stack(
                path, info, cfg, ocr_cfg, lambda c: doc_types.get(c) is not None, item.declared.dossier, engine
            )
        except BadInput:
            out.append(item)
            continue
        cut = items_of_split(item, split, info.page_count)
        if len(cut) > 1 or cut[0].pages is not None:
            splits[item.input] = split
        out.extend(cut)
    renumbered = [replace(it, ordinal=n) for n, it in enumerate(out, 1)]
    return renumbered, splits


def default_engine_factory(ocr_cfg: OcrConfig) -> Callable[[], object]:
    def make():
        from ocr.tesseract import TesseractEngine

        return TesseractEngine(ocr_cfg)

    return make
