"""Look at every page of an input file and cut it into documents (``pipeline.split``) before the batch is recorded.

For each page: its QR codes and Code 128 barcodes (``ocr.barcodes``) and whether it is blank (``ocr.blank``);
then, to recognise a reception receipt printed without a code, a screening Tesseract pass over every page
without a code (or only each document's first page, ``receipt_text = "first"``) that reads one line of it: the
line of the top third that could be the receipt's title — centred, in the largest letters — located on the
image kept from the first look (``title_lines``), at a low resolution, the lines of many pages to a call; only
the pages whose title reads as the receipt's are read again, their top third at 300 dpi, for the code itself.
A file cut into several documents becomes several planned items, each naming its pages; a file that is one
document stays one item, as before (same key, same behaviour).
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from catalog.codes import find_printed_dossier_code
from catalog.types import DocumentTypes
from ocr.barcodes import read_codes
from ocr.blank import judge_blank
from ocr.config import OcrConfig
from ocr.errors import BadInput
from ocr.sources import SourceInfo, inspect_source, iter_pages
from ocr.titles import title_lines
from pipeline.intake_config import SplitConfig
from pipeline.model import Declared, PlannedItem
from pipeline.split import PageSignal, Split, SplitRules, split_stack

log = logging.getLogger("sohoa.stacks")
PDF_CHUNK = 8
"""PDF pages rendered per poppler call while a stack is looked at (memory stays flat on long stacks)."""
RECEIPT_BAND = 0.33
"""Top fraction of a page read for a receipt's title and its "Mã hồ sơ"."""
SCREEN_DPI = 110.0
"""Resolution the top of each page is screened at for a receipt's title (fewer pixels; the title is large)."""
CODE_DPI = 300.0
"""Resolution a page that screens as a receipt is read again at, for its dossier code (digits are small)."""
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
    return PageSignal(
        n, verdict.blank and not texts, texts, codes.unreadable if codes else (), faint=verdict.blank and bool(texts)
    )


# --- a receipt recognised by its printed text -----------------------------------------------------------------
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
    found = find_printed_dossier_code(after)
    return found[0] if found else ""


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


def looks_like_receipt(text: str) -> bool:
    """The screening read's cue: the receipt's title or its code's label, even half read."""
    folded = re.sub(r"\s+", " ", fold(text))
    return any(k in folded for k in ("TIEP NHAN HO", "HEN TRA KET", "MA HO SO", "SO HO SO"))


def receipt_band(gray: np.ndarray, dpi: float, to_dpi: float) -> np.ndarray:
    """The top of a page (``RECEIPT_BAND``), scaled to ``to_dpi``."""
    band = gray[: int(gray.shape[0] * RECEIPT_BAND)]
    f = to_dpi / dpi
    if abs(f - 1) < 0.02:
        return band
    return cv2.resize(band, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)


def read_bands(bands: list[tuple[int, np.ndarray]], dpi: float, engine) -> dict[int, str]:
    """The text of each band, read in one Tesseract call per ``BANDS_PER_CALL`` bands (stacked on one canvas:
    Tesseract's start and model load are paid once, not per page). A band that could not be read is missing."""
    return {n: _lines_text(words) for n, words in read_band_words(bands, dpi, engine).items()}


def read_band_words(bands: list[tuple], dpi: float, engine, per_call: int = BANDS_PER_CALL) -> dict:
    """The words of each band (``read_bands``), their boxes in the band's pixels; ``per_call`` bands to a call."""
    out: dict = {}
    gap = int(dpi / 4)
    for k in range(0, len(bands), per_call):
        chunk = bands[k : k + per_call]
        width = max(b.shape[1] for _, b in chunk)
        canvas = np.full((sum(b.shape[0] + gap for _, b in chunk) + gap, width), 255, np.uint8)
        spans, y = [], gap
        for _, b in chunk:
            canvas[y : y + b.shape[0], : b.shape[1]] = b
            spans.append((y, y + b.shape[0]))
            y += b.shape[0] + gap
        try:
            words = engine.recognize(canvas, dpi).words
        except Exception as e:  # the receipt check is a help; the page's own OCR later reports a real problem
            log.warning("receipt text not read: %s", type(e).__name__)
            continue
        for (n, _), (top, bottom) in zip(chunk, spans, strict=True):
            out[n] = [replace(w, top=w.top - top) for w in words if top <= w.top + w.height / 2 < bottom]
    return out


def receipt_bands(pages: list[tuple[int, np.ndarray, float]], engine) -> dict[int, str | None]:
    """``receipt_in_text`` of the top of each page, read at ``SCREEN_DPI``."""
    texts = read_bands([(n, receipt_band(g, dpi, SCREEN_DPI)) for n, g, dpi in pages], SCREEN_DPI, engine)
    return {n: receipt_in_text(t) for n, t in texts.items()}


def find_printed_receipts(
    screen: list[tuple[int, np.ndarray]], reread: Callable[[list[int]], Iterator], engine
) -> dict[int, str]:
    """The pages that are receipts printed without a code: ``{page: code}`` (``""``: a receipt whose code could
    not be read).

    ``screen``: the top of each page to look at, already at ``SCREEN_DPI`` (kept from the first look: no page is
    decoded twice). On each, the lines that could be the receipt's title — centred, the tallest — are located on
    the image (``title_lines``) and only they are read, the lines of many pages in one Tesseract call; a page
    with no centred line is not read at all, a page whose lines cannot be told apart is read whole. Only the few
    pages whose title reads as the receipt's are read again, from the page at ``CODE_DPI`` (``reread(pages)``
    yields them), for the code itself: a digit misread at low resolution would put the papers in another
    dossier."""
    lines: list[tuple[tuple[int, int], np.ndarray]] = []
    whole: list[tuple[int, np.ndarray]] = []
    for n, band in screen:
        found = title_lines(band, SCREEN_DPI)
        if found is None:
            whole.append((n, band))
        else:
            lines.extend(((n, k), line) for k, line in enumerate(found))
    texts: dict[int, str] = {n: _lines_text(ws) for n, ws in read_band_words(whole, SCREEN_DPI, engine).items()}
    for (n, _), ws in sorted(read_band_words(lines, SCREEN_DPI, engine, LINES_PER_CALL).items()):
        texts[n] = (texts.get(n, "") + "\n" + _lines_text(ws)).strip()
    first = {n: receipt_in_text(t) for n, t in texts.items() if looks_like_receipt(t)}
    if not first:
        return {}
    bands = [(n, receipt_band(gray, dpi, CODE_DPI)) for n, gray, dpi in reread(sorted(first))]
    again: dict[int, str | None] = {n: receipt_in_text(t) for n, t in read_bands(bands, CODE_DPI, engine).items()}
    out: dict[int, str] = {}
    for n, screened in first.items():
        precise = again.get(n)
        if precise or screened:  # the closer read's code first
            out[n] = precise or screened  # type: ignore[assignment]
        elif precise == "" or screened == "":
            out[n] = ""
    return out


LINES_PER_CALL = 32
"""Title lines of as many pages read in one Tesseract call."""


# --- a whole stack ----------------------------------------------------------------------------------------------
def analyse_stack(
    path: Path,
    info: SourceInfo,
    cfg: SplitConfig,
    ocr_cfg: OcrConfig,
    known_type: Callable[[str], bool] | None = None,
    dossier: str | None = None,
    engine=None,
    timings: dict[str, float] | None = None,
) -> tuple[Split, list[PageSignal]]:
    """The split of one checked file, and what was seen on each page. ``timings``: seconds spent taking the
    pages' images, looking for codes and blank pages, and reading for printed receipts are added to it."""
    rules = SplitRules(cfg.separators, cfg.receipts, cfg.drop_blank, cfg.blank_run)
    text_pass = cfg.receipts and cfg.receipt_text != "off" and engine is not None
    signals: list[PageSignal] = []
    tops: dict[int, np.ndarray] = {}  # the top of every page a receipt could be printed on, small
    spent = {"images": 0.0, "codes": 0.0, "text": 0.0}
    # a PDF page with nothing drawn on it (``SourceInfo``) is blank without being rendered: a feeder's empty
    # backs and a file of thousands of empty pages cost nothing here
    empty = {n for n, size in enumerate(info.pages) if size.blank} if info.media_type == "application/pdf" else set()
    signals.extend(PageSignal(n, blank=True) for n in sorted(empty))
    drawn = None if not empty else [n for n in range(info.page_count) if n not in empty]
    t0 = time.perf_counter()
    for n, gray, dpi in page_images(path, info, cfg, ocr_cfg, only=drawn):
        t1 = time.perf_counter()
        sig = look_at_page(n, gray, dpi, cfg)
        signals.append(sig)
        if text_pass and not sig.blank and not sig.codes:
            tops[n] = receipt_band(gray, dpi, SCREEN_DPI)
        t0, spent["images"], spent["codes"] = (
            time.perf_counter(),
            spent["images"] + t1 - t0,
            spent["codes"] + time.perf_counter() - t1,
        )
    t0 = time.perf_counter()
    signals.sort(key=lambda s: s.index)
    split = split_stack(signals, rules, known_type, dossier)
    if text_pass:
        if cfg.receipt_text == "first":
            firsts = [p.pages[0] for p in split.parts if not p.receipt and p.started_by != "bad_code"]
        else:  # every page that is not blank and carries no code of ours
            ours = {n for p in split.parts if p.receipt for n in p.pages} | {n for n, _ in split.dropped}
            firsts = [s.index for s in signals if not s.blank and s.index not in ours]
        screen = [(n, tops[n]) for n in sorted(firsts) if n in tops]
        if screen:
            found = find_printed_receipts(screen, lambda only: page_images(path, info, cfg, ocr_cfg, only=only), engine)
            if found:
                by_page = {s.index: s for s in signals}
                for n, text in found.items():
                    by_page[n] = replace(by_page[n], receipt_text=text)
                signals = [by_page[s.index] for s in signals]
                split = split_stack(signals, rules, known_type, dossier)
    spent["text"] += time.perf_counter() - t0
    if timings is not None:
        for k, v in spent.items():
            timings[k] = timings.get(k, 0.0) + v
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


def items_of_split(
    item: PlannedItem, split: Split, page_count: int, receipt_type: str | None = None
) -> list[PlannedItem]:
    """The planned items of one file's split (ordinals to be renumbered by the caller). A receipt whose dossier
    code was read and validated is declared of ``receipt_type`` (the catalogue's reception receipt), so that it
    is archived as such without review."""
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
            type_code=(receipt_type if part.receipt and receipt_type else None) or part.type_code or base.type_code,
            agency=base.agency,
            notes=tuple(base.notes) + tuple(f"split: {vi} / {en}" for en, vi in part.notes),
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
        receipt_type = cfg.receipt_type if cfg.receipt_type and doc_types.get(cfg.receipt_type) else None
        cut = items_of_split(item, split, info.page_count, receipt_type)
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
