"""Find the page in a photo taken with a phone and flatten it to a rectangle.

A page photographed on a desk is a bright, pale quadrilateral (perspective makes it a trapezoid) against a
darker or coloured background. It is found on a reduced copy as the largest bright region, its outline
reduced to four corners, each side then fitted as a straight line through the outline's points so that the
corners are placed to within a pixel or two; the page is warped to a flat rectangle (A4 proportions when it is
close to them). A scan, where the paper fills the frame, has no such region and is left untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIDE = 1600
"""Long side, in pixels, of the copy the page is looked for on."""

A4_RATIO = 297 / 210


@dataclass(frozen=True, slots=True)
class PageQuad:
    corners: np.ndarray
    """Four corners (x, y) in the photo's pixels: top-left, top-right, bottom-right, bottom-left."""
    area_share: float
    """Share of the photo the page covers."""
    contrast: float
    """How much brighter (and paler) the page is than what surrounds it."""


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left (image coordinates, y down)."""
    pts = np.asarray(pts, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise from the left (y points down)
    start = int(np.argmin(pts.sum(axis=1)))  # top-left has the smallest x + y
    return np.roll(pts, -start, axis=0)


def _paper_mask(small: np.ndarray) -> np.ndarray:
    """The page: grown from its brightest, palest part across the slow change of light over it.

    Bright, unsaturated pixels (Otsu's split of the brightness) give a first region; the page is then flooded
    from inside it on a copy with the text smoothed away, each step allowed a small change of colour, so a
    corner in the shade still belongs to the page while the sharp step to the desk stops the flood.
    """
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    v = cv2.GaussianBlur(hsv[:, :, 2], (0, 0), 2)
    sat = cv2.GaussianBlur(hsv[:, :, 1], (0, 0), 2)
    t, _ = cv2.threshold(v, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    first = ((v > t) & (sat < 90)).astype(np.uint8) * 255
    k = max(3, round(max(small.shape[:2]) / 60)) | 1
    first = cv2.morphologyEx(first, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    first = cv2.morphologyEx(first, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(first, connectivity=8)
    if n <= 1:
        return first
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    inner = cv2.erode((labels == biggest).astype(np.uint8), np.ones((k, k), np.uint8))
    # text gone, the page's edge kept sharp: twice a 5-pixel median (OpenCV's fast one) takes out what one
    # of 7 pixels does, at a thirtieth of its cost on a colour copy
    smooth = cv2.medianBlur(cv2.medianBlur(small, 5), 5)
    ys, xs = np.nonzero(inner)
    if xs.size == 0:
        return first
    # seed: the brightest of the inner region's pixels (paper, not a line of text)
    bright = cv2.cvtColor(smooth, cv2.COLOR_BGR2GRAY)[ys, xs]
    i = int(np.argmax(bright))
    h, w = small.shape[:2]
    flood = np.zeros((h + 2, w + 2), np.uint8)
    cv2.floodFill(
        smooth,
        flood,
        (int(xs[i]), int(ys[i])),
        (0, 0, 0),
        (3, 3, 3),
        (3, 3, 3),
        4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8),
    )
    mask = flood[1:-1, 1:-1]
    edges = (mask[0, :].any(), mask[-1, :].any(), mask[:, 0].any(), mask[:, -1].any())
    if sum(edges) >= 3 or cv2.countNonZero(mask) > 1.4 * np.count_nonzero(labels == biggest):
        return first  # the flood ran out onto a desk as light as the page: keep the first look
    mask |= first & cv2.dilate(mask, np.ones((3, 3), np.uint8))  # what the flood and the first look agree on
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    # fill the holes text and seals leave in the flood
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return cv2.morphologyEx(filled, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))


def _quad(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float64)
        if len(approx) < 4:
            return None
    return None


def _refine(quad: np.ndarray, contour: np.ndarray) -> np.ndarray:
    """Each side fitted as a line through the outline's points near it; corners where the lines cross."""
    pts = contour.reshape(-1, 2).astype(np.float64)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 1:
            return quad
        u = d / length
        rel = pts - a
        along = rel @ u
        dist = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        near = (dist < max(3.0, 0.01 * length)) & (along > 0.1 * length) & (along < 0.9 * length)
        if near.sum() < 10:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(pts[near].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    out = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return quad
        t = np.linalg.solve(m, p2 - p1)
        out.append(p1 + t[0] * d1)
    refined = np.array(out)
    # a refinement that moves a corner far from the rough one went wrong: keep the rough one
    if np.max(np.hypot(*(refined - quad).T)) > 0.05 * max(np.ptp(quad[:, 0]), np.ptp(quad[:, 1])):
        return quad
    return refined


def find_page(image: np.ndarray) -> PageQuad | None:
    """The page in a photo, or None when there is none to find (a scan, or no clear page)."""
    if image.ndim != 3:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    H, W = image.shape[:2]
    f = min(1.0, WORK_SIDE / max(H, W))
    small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else image
    h, w = small.shape[:2]
    mask = _paper_mask(small)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(contour) / float(h * w)
    if not 0.12 <= share <= 0.97:
        return None
    quad = _quad(contour)
    if quad is None:
        return None
    quad = order_corners(quad)
    if not cv2.isContourConvex(quad.astype(np.float32).reshape(-1, 1, 2)):
        return None
    quad_share = cv2.contourArea(quad.astype(np.float32)) / float(h * w)
    if not 0.12 <= quad_share <= 0.97 or cv2.contourArea(contour) < 0.85 * cv2.contourArea(quad.astype(np.float32)):
        return None  # the bright region is no quadrilateral: a page torn or folded, or no page at all
    # the page must stand out from what surrounds it
    inside = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    ring = cv2.dilate(inside, np.ones((max(5, w // 40), max(5, w // 40)), np.uint8)) & ~inside
    if cv2.countNonZero(ring) < 50:
        return None
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    sat = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1]
    contrast = float(np.median(grey[inside > 0])) - float(np.median(grey[ring > 0]))
    contrast += float(np.median(sat[ring > 0])) - float(np.median(sat[inside > 0]))
    if contrast < 30:
        return None
    quad = _refine(quad, contour)
    return PageQuad(order_corners(quad) / f, quad_share, contrast)


def page_size(corners: np.ndarray) -> tuple[int, int]:
    """Width and height of the flattened page: its longest sides, in A4 proportions when close to them."""
    tl, tr, br, bl = corners
    width = max(np.hypot(*(tr - tl)), np.hypot(*(br - bl)))
    height = max(np.hypot(*(bl - tl)), np.hypot(*(br - tr)))
    long_, short = max(width, height), min(width, height)
    if abs(long_ / max(short, 1) - A4_RATIO) < 0.12 * A4_RATIO:
        # perspective shortens one side more than the other; paper is almost always A4
        short = max(short, long_ / A4_RATIO)
        long_ = short * A4_RATIO
        width, height = (short, long_) if width <= height else (long_, short)
    return max(1, round(width)), max(1, round(height))


def flatten_page(image: np.ndarray, quad: PageQuad) -> np.ndarray:
    """The page warped to a flat rectangle (colour kept)."""
    w, h = page_size(quad.corners)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.corners.astype(np.float32), dst)
    return cv2.warpPerspective(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def whiten(page: np.ndarray) -> np.ndarray:
    """Each colour channel divided by the paper's own brightness there: uneven and coloured light gone.

    A phone photo is lit by a lamp or a window, warm or cold, brighter on one side; after this the paper is
    white and the inks keep their colours (a seal stays red, a signature blue), as on a scan.
    """
    h, w = page.shape[:2]
    f = 4
    small = cv2.resize(page, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    k = max(5, (max(small.shape[:2]) // 40) | 1)
    background = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 5)
    background = cv2.GaussianBlur(background, (0, 0), k)
    background = cv2.resize(np.maximum(background, 1), (w, h), interpolation=cv2.INTER_LINEAR)
    # in 8 bits, saturating at white: the same page as a division in floating point (rounded rather than cut,
    # a level at most apart), without a 3,000 x 2,000 x 3 float copy of a photo
    return cv2.divide(page, background, scale=255.0)
