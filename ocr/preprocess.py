"""OpenCV preparation of a page for OCR: orientation, deskew, grey image for Tesseract.

Only the OCR copy is deskewed and turned grey; the archived image is the colour scan turned upright by a
multiple of 90 degrees (lossless in content), so the record stays faithful to the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.config import OcrConfig

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
ANALYSIS_SIZE = 1400  # long side, in pixels, of the image used to measure orientation and skew


@dataclass(frozen=True, slots=True)
class Prepared:
    upright: np.ndarray
    """Colour page turned upright (BGR); this is the image that is archived."""
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


def rotate_quarter(image: np.ndarray, degrees_clockwise: int) -> np.ndarray:
    degrees_clockwise %= 360
    if degrees_clockwise == 0:
        return image
    return cv2.rotate(image, _ROTATE[degrees_clockwise])


def to_gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def ink_points(gray: np.ndarray, size: int = ANALYSIS_SIZE) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates of dark pixels on a reduced copy, without large blobs (borders, photos, seals)."""
    scale = min(1.0, size / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    _, bw = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    if n > 1:
        h, w = bw.shape
        big = (stats[:, cv2.CC_STAT_WIDTH] > w * 0.3) | (stats[:, cv2.CC_STAT_HEIGHT] > h * 0.1)
        tiny = stats[:, cv2.CC_STAT_AREA] < 2
        drop = big | tiny
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


def deskew_matrix(shape: tuple[int, int], angle: float) -> np.ndarray:
    h, w = shape[:2]
    # cv2 positive angles turn the image counter-clockwise; _profile's angle is the opposite sense.
    return cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -angle, 1.0)


def prepare(image: np.ndarray, cfg: OcrConfig, dpi: float = 300.0) -> Prepared:
    """Upright colour page for the archive and a deskewed, scale-normalised grey copy for Tesseract."""
    gray = to_gray(image)
    rotation, conf = (0, 0.0)
    if cfg.orientation:
        rotation, conf = detect_orientation(gray, cfg.max_skew_deg)
    upright = rotate_quarter(image, rotation)
    gray = rotate_quarter(gray, rotation)
    skew = 0.0
    matrix = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    if cfg.deskew:
        skew = estimate_skew(gray, cfg.max_skew_deg)
        if abs(skew) >= 0.1:
            matrix = deskew_matrix(gray.shape, skew)
    scale = cfg.ocr_target_dpi / dpi if dpi > cfg.ocr_target_dpi * 1.15 else 1.0
    matrix = matrix * scale
    h, w = gray.shape[:2]
    if np.allclose(matrix, [[1, 0, 0], [0, 1, 0]]):
        ocr_image = gray
    else:
        ocr_image = cv2.warpAffine(
            gray,
            matrix,
            (round(w * scale), round(h * scale)),
            flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
    m = tuple(tuple(float(v) for v in row) for row in matrix)
    return Prepared(upright, ocr_image, rotation, conf, skew, scale, m)  # type: ignore[arg-type]
