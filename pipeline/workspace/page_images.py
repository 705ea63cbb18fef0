"""The page images of the review screen: one page of a document's signed PDF rendered as PNG (poppler's
``pdftoppm`` through pdf2image), kept in a small cache in memory so paging back and forth costs nothing."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

DPI = 110  # a scan page of A4 at about 900 × 1300 pixels: readable, zoomable, ~200 kB
_CACHE_SIZE = 48


class PageImages:
    def __init__(self, size: int = _CACHE_SIZE, dpi: int = DPI) -> None:
        self.size, self.dpi = size, dpi
        self._cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def png(self, pdf_sha256: str, page: int, load_pdf) -> bytes | None:
        """Page ``page`` (from 1) of the PDF ``load_pdf()`` returns (or of a multi-page image: a scanned stack
        kept as TIFF); None when it has no such page."""
        key = (pdf_sha256, page)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        raw = load_pdf()
        if raw[:5] == b"%PDF-":
            from pdf2image import convert_from_bytes

            images = convert_from_bytes(raw, dpi=self.dpi, first_page=page, last_page=page, fmt="png")
            image = images[0] if images else None
        else:
            image = _image_page(raw, page)
        if image is None:
            return None
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=False)
        data = buf.getvalue()
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return data


def _image_page(raw: bytes, page: int):
    """Page ``page`` of an image file (TIFF frames), at most A4 at ``DPI`` in size; None when there is none."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(raw)) as im:
        if page < 1 or page > getattr(im, "n_frames", 1):
            return None
        im.seek(page - 1)
        out = ImageOps.exif_transpose(im.convert("RGB"))
    out.thumbnail((int(8.5 * DPI), int(11.7 * DPI)))
    return out
