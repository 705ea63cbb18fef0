"""Read the QR codes and Code 128 barcodes on a page (zxing-cpp), and say when a code is there but unreadable.

Used to find separator sheets and the dossier code on a reception receipt. A first pass reads the page as it
is; when it locates a symbol but decodes nothing, a second pass reads a cleaned copy (background flattened,
specks removed, small codes scaled up), which recovers codes printed small or partly smudged. A symbol
zxing-cpp locates but cannot decode (a damaged QR code, a Code 128 with a bad checksum) is reported as
``unreadable`` so that the caller can say so instead of silently ignoring it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

FORMATS = ("QRCode", "MicroQRCode", "Code128")
"""Symbologies looked for: what separator sheets and reception receipts print."""


@dataclass(frozen=True, slots=True)
class Code:
    symbology: str
    """``QRCode``, ``MicroQRCode`` or ``Code128``."""
    text: str
    x: int = 0
    y: int = 0
    """Top-left corner of the symbol on the page, in pixels of the image read."""


@dataclass(frozen=True, slots=True)
class PageCodes:
    codes: tuple[Code, ...] = ()
    unreadable: tuple[str, ...] = ()
    """Symbols found but not decoded: their symbology and zxing-cpp's reason (e.g. ``QRCode: checksum``)."""


@functools.cache
def _formats():
    import zxingcpp

    return zxingcpp.barcode_formats_from_str(",".join(FORMATS))


def _read(gray: np.ndarray) -> tuple[list[Code], list[str]]:
    import zxingcpp

    found, bad = [], []
    # try_rotate only concerns 1D symbols turned 90°: a feeder takes pages upright (a QR code reads at any angle)
    for b in zxingcpp.read_barcodes(gray, formats=_formats(), try_rotate=False, try_invert=False, return_errors=True):
        fmt = str(b.format).rsplit(".", 1)[-1]
        if b.valid and b.text:
            pos = b.position
            found.append(Code(fmt, b.text, int(pos.top_left.x), int(pos.top_left.y)))
        else:
            bad.append(f"{fmt}: {str(b.error) or 'undecodable'}")
    return found, bad


def _cleaned(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Flattened background, Otsu threshold, specks closed: what smudged and noisy codes read best from."""
    background = cv2.medianBlur(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), 21)
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    flat = cv2.GaussianBlur(flat, (3, 3), 0)
    _, binary = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # white specks inside modules
    if dpi < 250:  # small symbols: modules of 2-3 pixels read better at twice the size
        binary = cv2.resize(binary, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    return binary


def read_codes(image: np.ndarray, dpi: float = 200.0, thorough: bool = False) -> PageCodes:
    """Every QR code and Code 128 barcode on the page (colour BGR or grey). The cleaned second pass runs when the
    first located a symbol it could not decode, or always with ``thorough``."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    codes, bad = _read(gray)
    if not codes and (bad or thorough):
        scale = 2 if dpi < 250 else 1
        more, bad2 = _read(_cleaned(gray, dpi))
        codes = [Code(c.symbology, c.text, c.x // scale, c.y // scale) for c in more]
        bad = bad2 if not codes else []
    if codes:
        bad = []  # the same symbol may have failed in one pass and been read in the other
    return PageCodes(tuple(codes), tuple(dict.fromkeys(bad)))
