"""OpenCV preparation of a page for OCR, one switchable step after another.

    ink suppression (by colour; on a grey page, seals by their shape) → border crop → illumination → orientation
    → deskew + scale → seals between lines (bi-level) → denoise → leaders → binarize → blank?

Only the OCR copy is cleaned and turned grey; the archived image is the colour scan turned upright by a
multiple of 90 degrees and, when the page was fed askew, straightened by the same angle as the OCR copy on a
canvas enlarged to keep every pixel (``deskew_archive``): the lines of the page and of its invisible text
layer are then level, so what a viewer copies and what ``pdftotext`` reads come line by line, in order. Every step can
be switched off in :class:`~ocr.config.OcrConfig`, and a ``debug`` callback receives the image after each
step (``sohoa ocr FILE --debug-dir D`` writes them as PNG files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.config import OcrConfig
from ocr.leaders import remove_leaders
from ocr.seal import Seal, blank_seals, clear_between_lines, find_seals, lift_seal_ink

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
ANALYSIS_SIZE = 1400  # long side, in pixels, of the image used to measure orientation and skew

DebugHook = Callable[[str, np.ndarray], None]
OsdFn = Callable[[np.ndarray], tuple[int, float]]
"""Second opinion on orientation: grey page -> (clockwise rotation to upright, confidence)."""


@dataclass(frozen=True, slots=True)
class Prepared:
    upright: np.ndarray
    """Colour page turned upright and, with ``deskew_archive``, straightened (BGR): the image archived."""
    ocr_image: np.ndarray
    """Grey, deskewed copy given to Tesseract."""
    rotation: int
    """Clockwise rotation applied to the scan to make it upright: 0, 90, 180 or 270."""
    orientation_confidence: float
    """How sure the orientation is (0 = a guess; above 1 = clear)."""
    skew: float
    """Skew removed from the OCR copy, in degrees (counter-clockwise positive)."""
    scale: float
    """Scale of the OCR copy relative to the upright page."""
    matrix: tuple[tuple[float, float, float], tuple[float, float, float]]
    """Affine map from ``upright`` pixel coordinates to ``ocr_image`` coordinates."""
    upright_skew: float = 0.0
    """Skew left in ``upright`` (0 when it was straightened with the OCR copy)."""
    blank: bool = False
    """The page holds no text (nothing worth sending to Tesseract)."""
    glyphs: int = 0
    """Glyph-sized marks counted on the OCR copy (what the blank test looks at)."""
    orientation_source: str = "none"
    """Who decided the orientation: ``own`` (ink profile), ``osd`` (Tesseract), ``both`` or ``none``."""
    steps: tuple[str, ...] = ()
    """The steps that ran, in order."""


def rotate_quarter(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    degrees_clockwise %= 360
    if degrees_clockwise == 0:
        return image
    return cv2.rotate(image, _ROTATE[degrees_clockwise])


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def colourless(image: np.ndarray) -> bool:
    """True for a grey or bi-level page (a colour page's seals are lifted by their colour instead)."""
    if image.ndim == 2:
        return True
    step = max(1, max(image.shape[:2]) // 600)
    small = image[::step, ::step].astype(np.int16)
    spread = small.max(axis=2) - small.min(axis=2)
    return float(np.mean(spread > 40)) < 0.0005


LARGE_MARK = 3.0
"""A mark both taller and wider than this many times the page's typical mark is no letter (a photo box printed
as a black disc, a seal, a logo): its ink would outweigh whole lines of text in the measures of which way the
lines run and which way is up."""


def ink_points(gray: np.ndarray, size: int = ANALYSIS_SIZE) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates of dark pixels on a reduced copy, without large blobs (borders, photos, seals) nor marks
    far larger than the page's letters both ways (``LARGE_MARK``)."""
    scale = min(1.0, size / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, bw = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n > 1:
        h, w = bw.shape
        heights = stats[:, cv2.CC_STAT_HEIGHT]
        big = (stats[:, cv2.CC_STAT_WIDTH] > w * 0.3) | (heights > h * 0.1)
        tiny = stats[:, cv2.CC_STAT_AREA] < 2
        drop = big | tiny
        letters = heights[1:][~drop[1:] & (heights[1:] >= 3)]
        if letters.size >= 50:  # enough marks for their typical height to be the letters'
            # the typical mark's smaller side: the same whichever way the page lies
            widths = stats[1:, cv2.CC_STAT_WIDTH][~drop[1:] & (heights[1:] >= 3)]
            typical = float(np.median(np.minimum(letters, widths)))
            large = (heights > LARGE_MARK * typical) & (stats[:, cv2.CC_STAT_WIDTH] > LARGE_MARK * typical)
            drop |= large
        drop[0] = True
        keep = ~drop[labels]
        ys, xs = np.nonzero(keep)
    else:
        ys, xs = np.nonzero(bw)
    return xs.astype(np.float64), ys.astype(np.float64), scale


def _profile(xs: np.ndarray, ys: np.ndarray, angle_deg: float) -> np.ndarray:
    """Row histogram of the ink after rotating the points by ``angle_deg`` (counter-clockwise)."""
    t = np.deg2rad(angle_deg)
    proj = ys * np.cos(t) + xs * np.sin(t)
    proj -= proj.min()
    return np.bincount(proj.astype(np.int64))


def _score(xs: np.ndarray, ys: np.ndarray, angle_deg: float) -> float:
    h = _profile(xs, ys, angle_deg).astype(np.float64)
    return float(np.dot(h, h))


def best_angle(xs: np.ndarray, ys: np.ndarray, limit: float) -> tuple[float, float]:
    """Angle in [-limit, limit] that makes text lines horizontal, found coarse to fine."""
    if xs.size < 50:
        return 0.0, 0.0
    angles = np.arange(-limit, limit + 1e-9, 1.0)
    scores = [_score(xs, ys, a) for a in angles]
    best = float(angles[int(np.argmax(scores))])
    for step in (0.25, 0.05):
        angles = np.arange(best - 4 * step, best + 4 * step + 1e-9, step)
        scores = [_score(xs, ys, a) for a in angles]
        best = float(angles[int(np.argmax(scores))])
    return best, max(scores)


def _updown_ratio(xs: np.ndarray, ys: np.ndarray, angle: float) -> float:
    """Ink above a text line's core over ink below it: > 1 upright, < 1 upside down.

    Vietnamese script has far more above the x-height (ascenders, capitals and nearly every
    diacritic) than below it (a few descenders and the dot below).
    """
    h = _profile(xs, ys, angle).astype(np.float64)
    if h.size == 0 or h.max() == 0:
        return 1.0
    on = h > 0.02 * h.max()
    above = below = 0.0
    i = 0
    n = h.size
    while i < n:
        if not on[i]:
            i += 1
            continue
        j = i
        while j < n and on[j]:
            j += 1
        band = h[i:j]
        if band.size >= 5:
            peak = band.max()
            core = np.nonzero(band >= 0.5 * peak)[0]
            c0, c1 = core[0], core[-1]
            above += band[:c0].sum()
            below += band[c1 + 1 :].sum()
        i = j
    return (above + 1.0) / (below + 1.0)


def detect_orientation(gray: np.ndarray, limit: float = 15.0) -> tuple[int, float]:
    """Clockwise rotation (0/90/180/270) that makes the page upright, and a confidence."""
    xs, ys, _ = ink_points(gray)
    if xs.size < 200:
        return 0, 0.0
    a_h, s_h = best_angle(xs, ys, limit)
    a_v, s_v = best_angle(ys, xs, limit)  # the same search on the transposed page
    horizontal = s_h >= s_v
    axis_conf = abs(np.log((s_h + 1) / (s_v + 1)))
    if horizontal:
        ratio = _updown_ratio(xs, ys, a_h)
        upright = ratio >= 1.0
        rotation = 0 if upright else 180
    else:
        # Lines run vertically: measure along the columns. With (ys, -xs) as (x, y) the page is seen
        # turned 90° clockwise, so "upright" there means the scan needs 270° clockwise.
        ratio = _updown_ratio(ys, -xs, -a_v)
        upright = ratio >= 1.0
        rotation = 270 if upright else 90
    conf = min(float(axis_conf) * 10, abs(float(np.log(ratio))))
    return rotation, conf


def estimate_skew(gray: np.ndarray, limit: float = 15.0) -> float:
    """Skew of an upright page in degrees; rotating counter-clockwise by it straightens the lines."""
    xs, ys, _ = ink_points(gray)
    angle, _ = best_angle(xs, ys, limit)
    return angle


def straighten(image: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The colour page turned by ``angle`` (as ``deskew_matrix``) on a canvas just large enough to keep every
    pixel, the new corners filled white (a scanner's lid); and the 2x3 map from old to new pixels."""
    h, w = image.shape[:2]
    m = deskew_matrix((h, w), angle)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64) @ m.T
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    m[:, 2] -= (x0, y0)
    size = (round(x1 - x0), round(y1 - y0))
    fill = (255, 255, 255) if image.ndim == 3 else 255
    out = cv2.warpAffine(image, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)
    return out, m


def deskew_matrix(shape: tuple[int, int], angle: float) -> np.ndarray:
    h, w = shape[:2]
    # cv2 positive angles turn the image counter-clockwise; _profile's angle is the opposite sense.
    return cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -angle, 1.0)


# --- colour ink ------------------------------------------------------------------------------------------


def colour_ink_mask(image: np.ndarray, dpi: float) -> np.ndarray:
    """Pixels (255) of red or blue ink that belong to seals and signatures, not to a line of coloured print.

    Red marks are kept when they are no thicker than a line of text across their shorter side (a red title
    on an ID card is print, and the page may still lie sideways here: orientation comes later); a seal is
    large both ways. Blue marks (signatures, ballpoint ticks) are always taken.
    """
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    red = cv2.inRange(hsv, (0, 70, 60), (10, 255, 255)) | cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    mask = cv2.inRange(hsv, (95, 70, 60), (135, 255, 255))
    if cv2.countNonZero(red):
        # Seal ink is uneven and broken: close the gaps (on a half-size copy) before judging a mark's size.
        half = cv2.resize(red, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_NEAREST)
        k = max(3, round(dpi / 80)) | 1
        half = cv2.morphologyEx(half, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(half, connectivity=8)
        keep = np.zeros_like(half)
        for i in range(1, n):
            x, y, w, h = stats[i, :4]
            # thicker than a line of text both ways: a seal; its lettering lies inside its box. A line of
            # print is thin one way, whichever way the page lies.
            if min(w, h) > 0.3 * dpi / 2:
                keep[y : y + h, x : x + w] = 255
        if keep.any():
            keep = cv2.resize(keep, (red.shape[1], red.shape[0]), interpolation=cv2.INTER_NEAREST)
            mask |= red & keep
    return mask


def suppress_colour_ink(image: np.ndarray, dpi: float) -> np.ndarray:
    """Grey page in which seal and signature ink is as light as the paper, black text under it kept.

    Where coloured ink lies over black print the pixel stays dark in every channel, so taking the
    brightest channel there keeps the print and drops the ink.
    """
    if image.ndim == 2:
        return image
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    mask = colour_ink_mask(image, dpi)
    if not cv2.countNonZero(mask):
        return gray
    # JPEG smears colour over a pixel or two: widen the mask a little so no pink fringe is left.
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    # Seal red and signature blue are mid-bright in their brightest channel; lift them to paper white
    # while black print under them (dark in every channel) stays dark.
    b, g, r = cv2.split(image)
    brightest = cv2.convertScaleAbs(cv2.max(cv2.max(b, g), r), alpha=1.5)
    cv2.copyTo(brightest, mask, gray)
    return gray


# --- background ------------------------------------------------------------------------------------------


def crop_background(gray: np.ndarray) -> np.ndarray:
    """Whiten dark scanner background and black borders touching the page edge (coordinates unchanged)."""
    scale = min(1.0, 600 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    dark = (small < 90).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    if n <= 1:
        return gray
    h, w = small.shape
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    bw, bh, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    touches = (x == 0) | (y == 0) | (x + bw >= w) | (y + bh >= h)
    # Borders are wide, solid bands (a frame all round is one ring); a rule or a line of text touching
    # the edge is thin for its length.
    thick = area / np.maximum(bw, bh) >= 0.015 * min(h, w)
    large = area >= 0.003 * h * w
    drop = touches & thick & large
    drop[0] = False
    if not drop.any():
        return gray
    mask = drop[labels].astype(np.uint8)
    mask = cv2.resize(mask, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    mask = cv2.dilate(mask, np.ones((5, 5), np.uint8))
    out = gray.copy()
    out[mask.astype(bool)] = 255
    return out


def flatten_illumination(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Divide by the estimated paper brightness: shadows, uneven light and yellowed paper become white."""
    f = 4
    small = cv2.resize(gray, None, fx=1 / f, fy=1 / f, interpolation=cv2.INTER_AREA)
    # A max filter wider than any stroke removes the text and leaves the paper; blur smooths the seams.
    k = max(5, round(dpi / f * 0.06)) | 1
    background = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 5)
    background = cv2.GaussianBlur(background, (0, 0), k)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    background = np.maximum(background, 1).astype(np.float32)
    flat = gray.astype(np.float32) * (255.0 / background)
    return np.clip(flat, 0, 255).astype(np.uint8)


# --- noise and binarization ------------------------------------------------------------------------------


def paper_noise(image: np.ndarray) -> float:
    """How noisy the paper is: the mean departure of its grey level from the 3x3 median, over the page's brighter
    half away from any edge of print. 0 for a clean render, a G4 scan or a screenshot."""
    gray = to_gray(image)
    residual = cv2.absdiff(gray, cv2.medianBlur(gray, 3))
    k = np.ones((5, 5), np.uint8)
    spread = cv2.subtract(cv2.dilate(gray, k), cv2.erode(gray, k))
    paper = (gray >= np.median(gray)) & (spread < 60)
    return float(residual[paper].mean()) if paper.any() else 0.0


def remove_specks(gray: np.ndarray, dpi: float, smooth: bool = True) -> np.ndarray:
    """Erase isolated dots far smaller than any diacritic; with ``smooth``, smooth sensor noise a little first."""
    page = cv2.bilateralFilter(gray, 5, 40, 5) if smooth else gray
    _, bw = cv2.threshold(page, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n <= 1:
        return page
    max_area = max(2, round((dpi / 200) ** 2 * 3))  # a Vietnamese dot-below is ~9 px at 200 dpi
    tiny = stats[:, cv2.CC_STAT_AREA] <= max_area
    tiny[0] = False
    if not tiny.any():
        return page
    speck = cv2.dilate(tiny[labels].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    out = page.copy()
    out[speck] = 255
    return out


def binarize(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Adaptive threshold sized to about two text lines, robust to what illumination left behind."""
    block = max(15, round(dpi * 0.25)) | 1
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)


def count_glyphs(gray: np.ndarray, dpi: float) -> int:
    """Marks the size of a printed character (specks, rules, folds and borders do not count)."""
    scale = min(1.0, 150 / max(dpi, 1))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    d = dpi * scale
    bw = (small < 128).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n <= 1:
        return 0
    h, w = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    glyph = (h >= 0.04 * d) & (h <= 0.6 * d) & (w <= 1.0 * d) & (stats[1:, cv2.CC_STAT_AREA] >= max(2, 0.0004 * d * d))
    return int(glyph.sum())


def looks_blank(image: np.ndarray, side: int = 800, ink_pixels: int = 25) -> bool:
    """A cheap first look: True when the page holds no mark darker than the paper around it.

    Measured on a copy reduced to ``side`` pixels by taking the darkest pixel of each cell (a thin stroke of
    a small picture survives the reduction), against the paper's own brightness nearby (uneven light and
    yellowed paper are not ink). Costs a few milliseconds; a page it does not call blank goes the full way,
    and the full way still decides blank pages by their glyphs.
    """
    gray = to_gray(image)
    r = max(1, int(np.ceil(max(gray.shape[:2]) / side)))
    if r > 1:
        gray = cv2.erode(gray, np.ones((r, r), np.uint8))[r // 2 :: r, r // 2 :: r]
    k = max(5, (max(gray.shape) // 30) | 1)
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.blur(paper, (k, k))
    ink = cv2.subtract(paper, gray) > 60
    return int(np.count_nonzero(ink)) < ink_pixels


# --- the pipeline ----------------------------------------------------------------------------------------


def _orientation(gray: np.ndarray, cfg: OcrConfig, osd: OsdFn | None) -> tuple[int, float, str]:
    rotation, conf = detect_orientation(gray, cfg.max_skew_deg)
    if conf >= cfg.orientation_min_confidence or osd is None or not cfg.orientation_osd:
        return rotation, conf, "own"
    try:
        o_rot, o_conf = osd(gray)
    except Exception:  # OSD is a second opinion; without it the own answer stands
        return rotation, conf, "own"
    if o_rot == rotation:
        return rotation, max(conf, o_conf / 10), "both"
    if o_conf >= 2.0:  # Tesseract's own scale: above 2 it is rarely wrong on a text page
        return o_rot, o_conf / 10, "osd"
    return rotation, conf, "own"


def ocr_scale(dpi: float, cfg: OcrConfig) -> float:
    """Factor by which the OCR copy is resized: fine scans down to the target, coarse ones up."""
    if dpi > cfg.ocr_target_dpi * 1.15:
        return cfg.ocr_target_dpi / dpi
    if cfg.upscale and dpi < cfg.min_ocr_dpi * 0.9:
        return min(3.0, cfg.min_ocr_dpi / dpi)
    return 1.0


def prepare(
    image: np.ndarray,
    cfg: OcrConfig,
    dpi: float = 300.0,
    debug: DebugHook | None = None,
    osd: OsdFn | None = None,
    photo: bool = False,
) -> Prepared:
    """Upright colour page for the archive and a cleaned, deskewed, scale-normalised grey copy for Tesseract.

    ``photo``: the page was found in a photo (``ocr.photo``), whose sensor noise the ``denoise`` step smooths
    (see ``OcrConfig.smoothing``)."""
    steps: list[str] = []

    def done(name: str, img: np.ndarray) -> None:
        steps.append(name)
        if debug is not None:
            debug(f"{len(steps):02d}-{name}", img)

    if debug is not None:
        debug("00-input", image)
    scale = ocr_scale(dpi, cfg)
    # A fine scan is reduced first, so every step works on the pixels Tesseract will get (about half of a
    # 300 dpi page's); a coarse one is enlarged last, in the deskew warp, so the steps stay cheap.
    pre, post = (scale, 1.0) if scale < 1 else (1.0, scale)
    work = cv2.resize(image, None, fx=pre, fy=pre, interpolation=cv2.INTER_AREA) if pre < 1 else image
    work_dpi = dpi * pre
    noisy = cfg.denoise and cfg.smoothing == "auto" and not photo and paper_noise(work) >= cfg.smoothing_noise
    if cfg.ink_suppression and work.ndim == 3:
        gray = suppress_colour_ink(work, work_dpi)
        done("ink", gray)
    else:
        gray = to_gray(work)
    dark_seals: list[Seal] = []  # seals as dark as the print (bi-level scans): kept out of the measures below
    if cfg.seal_shapes and colourless(work):
        seals = find_seals(gray, work_dpi)
        if seals:
            gray, dark_seals = lift_seal_ink(gray, seals)
            if len(dark_seals) < len(seals):
                done("seal-lift", gray)
    if cfg.crop:
        gray = crop_background(gray)
        done("crop", gray)
    if cfg.illumination:
        gray = flatten_illumination(gray, work_dpi)
        done("illumination", gray)
    rotation, conf, source = 0, 0.0, "none"
    measured = blank_seals(gray, dark_seals)
    if cfg.orientation:
        rotation, conf, source = _orientation(measured, cfg, osd)
        gray = rotate_quarter(gray, rotation)
        measured = rotate_quarter(measured, rotation) if dark_seals else gray
        done("orientation", gray)
    upright = rotate_quarter(image, rotation)
    skew = 0.0
    matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    if cfg.deskew:
        skew = estimate_skew(measured, cfg.max_skew_deg)
        if abs(skew) >= 0.1:
            matrix = deskew_matrix(gray.shape, skew)
    matrix = matrix * post
    h, w = gray.shape[:2]
    if not np.allclose(matrix, [[1, 0, 0], [0, 1, 0]]):
        gray = cv2.warpAffine(
            gray,
            matrix,
            (round(w * post), round(h * post)),
            flags=cv2.INTER_CUBIC if post > 1 else cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
        done("deskew-scale", gray)
    ocr_dpi = dpi * scale
    # from upright page coordinates: first the reduction, then the warp
    matrix = np.hstack([matrix[:, :2] * pre, matrix[:, 2:]])
    if dark_seals:  # found again on the level page, where the text lines through them run across
        gray = clear_between_lines(gray, find_seals(gray, ocr_dpi), ocr_dpi)
        done("seal-clear", gray)
    if cfg.denoise:
        smooth = cfg.smoothing == "always" or (cfg.smoothing == "auto" and (photo or noisy))
        gray = remove_specks(gray, ocr_dpi, smooth)
        done("denoise", gray)
    if cfg.leaders:
        gray = remove_leaders(gray, ocr_dpi)
        done("leaders", gray)
    if cfg.binarize:
        gray = binarize(gray, ocr_dpi)
        done("binarize", gray)
    glyphs = count_glyphs(gray, ocr_dpi)
    blank = cfg.blank_detection and glyphs < cfg.blank_min_glyphs
    upright_skew = skew
    if cfg.deskew_archive and abs(skew) >= 0.1:
        # the archived page is straightened too: words are mapped from the OCR copy onto it
        upright, a = straighten(upright, skew)
        a3 = np.vstack([a, [0.0, 0.0, 1.0]])
        o3 = np.vstack([matrix, [0.0, 0.0, 1.0]])
        matrix = (o3 @ np.linalg.inv(a3))[:2]
        upright_skew = 0.0
        done("straighten-archive", upright)
    m = tuple(tuple(float(v) for v in row) for row in matrix)
    return Prepared(
        upright,
        gray,
        rotation,
        conf,
        skew,
        scale,
        m,  # type: ignore[arg-type]
        blank=blank,
        glyphs=glyphs,
        orientation_source=source,
        steps=tuple(steps),
        upright_skew=upright_skew,
    )
