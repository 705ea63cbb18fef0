"""Open scan files, check them before any work, and yield their pages one at a time.

Accepted: PNG, JPEG, TIFF (multi-page) and PDF (rasterized page by page with poppler through
pdf2image, so memory stays flat on long files). Everything else is refused with a
:class:`~ocr.errors.BadInput` that says why, in Vietnamese and English.

Every pixel format a scanner, a phone or a document feeder writes is brought to 8-bit colour without losing
its tones: 16-bit grey and colour are scaled (never clipped), 1-bit bi-level, palette, CMYK and grey+alpha
converted, and the EXIF orientation of a phone photo applied. A PDF that opens without a password but carries
an owner password (printing or copying restrictions) is read like any other; only one that needs a password
to open is refused. A PDF page with nothing drawn on it is known blank without being rendered.

The resolution a file declares is kept with where it came from (``dpi_source``): ``file`` when it is usable,
otherwise the page's proportions (``page_size``) or the configured default (``default``); the page reader
(``ocr.page``) replaces the latter two, and a file's value that the text contradicts, by the scale measured
on the page itself (``content``, see ``ocr.scale``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageOps, ImageSequence

from ocr.config import OcrConfig
from ocr.errors import (
    BadInput,
    DecompressionBomb,
    EmptyFile,
    EncryptedPdf,
    ImageTooSmall,
    MissingDependency,
    TooManyPages,
    UnreadableImage,
    UnsupportedFormat,
)
from ocr.textlayer import TextLayer, read_text_layer

MEDIA_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/pdf": ".pdf",
}

A4_SHORT_IN = 8.27
A4_LONG_IN = 11.69
MIN_SIDE_PX = 32
"""Smaller than this on either side, an image cannot hold a readable line of text."""
CAMERA_DPI = (72.0, 96.0)
"""What cameras, phones and screenshots write when they know nothing of the paper: not a resolution."""

DPI_SOURCES = ("file", "content", "page_size", "default")


@dataclass(frozen=True, slots=True)
class PageSize:
    width: int
    height: int
    dpi: float
    dpi_estimated: bool = False
    dpi_source: str = "file"
    blank: bool = False
    """A PDF page with nothing drawn on it (known without rendering it)."""
    camera: bool = False
    """The image looks like a photo (see ``RasterPage.camera``)."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a scan file holds, learned without keeping any page in memory."""

    media_type: str
    pages: tuple[PageSize, ...]
    signed: bool = False
    """A PDF that already carries a digital signature: an electronic original, kept byte for byte and
    validated, never signed again (issue 19)."""
    selected: tuple[int, ...] | None = None
    """Only these pages (from 0) are read, in this order: one document cut from a scanned stack."""

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def page_numbers(self) -> tuple[int, ...]:
        """The pages to read, from 0."""
        return self.selected if self.selected is not None else tuple(range(len(self.pages)))


@dataclass(frozen=True, slots=True)
class RasterPage:
    """One page as pixels: colour (BGR, uint8), its resolution, and where it came from."""

    index: int
    image: np.ndarray
    dpi: float
    dpi_estimated: bool = False
    dpi_source: str = "file"
    """Where ``dpi`` came from: ``file``, ``page_size`` or ``default`` (``content`` is set by ``ocr.page``)."""
    blank: bool = False
    """Known blank before any pixel was looked at (a PDF page with nothing drawn on it)."""
    camera: bool = False
    """The file looks like a photo (no usable resolution, or a camera's EXIF): look for the page in it."""
    text_layer: TextLayer | None = None
    """A born-digital PDF page's own text, boxes in ``image`` pixels (``ocr.textlayer``); None for a scan."""


def sniff(path: Path) -> str:
    """Media type from the file's first bytes (never from its name)."""
    with path.open("rb") as f:
        head = f.read(1024)
    if not head:
        raise EmptyFile(f"{path.name}: the file is empty", f"{path.name}: tệp rỗng")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if b"%PDF-" in head:
        return "application/pdf"
    raise UnsupportedFormat(
        f"{path.name}: not a PNG, JPEG, TIFF or PDF scan",
        f"{path.name}: không phải tệp ảnh quét PNG, JPEG, TIFF hoặc PDF",
    )


def _image_dpi(im: Image.Image, cfg: OcrConfig) -> tuple[float, str]:
    """The resolution the file declares when usable, else a first guess (``ocr.page`` measures the text)."""
    dpi = im.info.get("dpi")
    if dpi:
        try:
            x = float(dpi[0])
        except (TypeError, ValueError, IndexError):
            x = 0.0
        if 50 <= x <= 2400 and not any(abs(x - c) < 0.5 for c in CAMERA_DPI):
            return x, "file"
    # No usable resolution in the file: assume a full-page administrative paper (A4) when the
    # proportions fit, else the configured fallback. Either is only a guess until the text is measured.
    w, h = _oriented_size(im)
    short, long_ = sorted((w, h))
    if long_ and 1.3 < long_ / max(short, 1) < 1.5:
        return float(round(short / A4_SHORT_IN)), "page_size"
    return cfg.fallback_dpi, "default"


def _exif_orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1) or 1)
    except Exception:
        return 1


def _oriented_size(im: Image.Image) -> tuple[int, int]:
    w, h = im.size
    return (h, w) if _exif_orientation(im) in (5, 6, 7, 8) else (w, h)


def _is_camera(im: Image.Image, dpi_source: str) -> bool:
    """A photo rather than a scan: no usable resolution, or the camera's make or model in its EXIF."""
    if dpi_source != "file":
        return True
    try:
        exif = im.getexif()
        return bool(exif.get(0x010F) or exif.get(0x0110))  # Make, Model
    except Exception:
        return False


def _check_pixels(path: Path, w: int, h: int, cfg: OcrConfig) -> None:
    if w <= 0 or h <= 0:
        raise UnreadableImage(f"{path.name}: image has no pixels", f"{path.name}: ảnh không có điểm ảnh")
    if min(w, h) < MIN_SIDE_PX:
        raise ImageTooSmall(
            f"{path.name}: an image of {w}x{h} pixels is too small to hold a page "
            f"(at least {MIN_SIDE_PX} pixels on each side)",
            f"{path.name}: ảnh {w}x{h} điểm ảnh quá nhỏ, không thể chứa một trang giấy tờ "
            f"(cần ít nhất {MIN_SIDE_PX} điểm ảnh mỗi chiều)",
        )
    if w * h > cfg.max_pixels:
        raise DecompressionBomb(
            f"{path.name}: page of {w}x{h} pixels exceeds the limit of {cfg.max_pixels:,} pixels",
            f"{path.name}: trang {w}x{h} điểm ảnh vượt giới hạn {cfg.max_pixels:,} điểm ảnh",
        )


def _open_image(path: Path) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(path)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise DecompressionBomb(
                f"{path.name}: image is too large to open safely ({e})",
                f"{path.name}: ảnh quá lớn, không thể mở an toàn",
            ) from e
        except Exception as e:  # PIL raises many types for broken files
            raise UnreadableImage(
                f"{path.name}: the image cannot be decoded ({e})",
                f"{path.name}: không đọc được ảnh (tệp hỏng hoặc không đầy đủ)",
            ) from e


def _inspect_image(path: Path, cfg: OcrConfig) -> tuple[PageSize, ...]:
    im = _open_image(path)
    sizes = []
    try:
        frames = ImageSequence.Iterator(im)
        for n, frame in enumerate(frames):
            if n >= cfg.max_pages:
                raise TooManyPages(
                    f"{path.name}: more than {cfg.max_pages} pages",
                    f"{path.name}: nhiều hơn {cfg.max_pages} trang",
                )
            w, h = frame.size
            _check_pixels(path, w, h, cfg)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", Image.DecompressionBombWarning)
                    frame.load()  # full decode: catches truncated and corrupt data now, not mid-batch
            except BadInput:
                raise
            except Exception as e:
                raise UnreadableImage(
                    f"{path.name}: page {n + 1} cannot be decoded ({e})",
                    f"{path.name}: không đọc được trang {n + 1} (tệp hỏng hoặc bị cắt cụt)",
                ) from e
            dpi, source = _image_dpi(frame, cfg)
            w, h = _oriented_size(frame)
            sizes.append(PageSize(w, h, dpi, source != "file", source, camera=_is_camera(frame, source)))
    except BadInput:
        raise
    except Exception as e:
        raise UnreadableImage(
            f"{path.name}: the image cannot be decoded ({e})",
            f"{path.name}: không đọc được ảnh (tệp hỏng)",
        ) from e
    finally:
        im.close()
    if not sizes:
        raise UnreadableImage(f"{path.name}: no pages", f"{path.name}: không có trang nào")
    return tuple(sizes)


def pdf_is_signed(pdf: pikepdf.Pdf) -> bool:
    """True when the PDF holds a filled signature field (signing it again would rewrite it)."""
    acro = pdf.Root.get("/AcroForm")
    fields = list(acro.get("/Fields", [])) if acro is not None else []
    stack = list(fields)
    seen = 0
    while stack and seen < 10_000:
        seen += 1
        field = stack.pop()
        if field.get("/FT") == pikepdf.Name.Sig and field.get("/V") is not None:
            return True
        stack.extend(field.get("/Kids", []))
    for page in pdf.pages:
        for annot in page.get("/Annots", []) or []:
            if annot.get("/FT") == pikepdf.Name.Sig and annot.get("/V") is not None:
                return True
    return bool(pdf.Root.get("/Perms"))


def _draws_nothing(page: pikepdf.Page) -> bool:
    """True when a PDF page paints nothing: no content operators, no annotations shown on it.

    Cheap (the content stream of a blank page is a few bytes); anything unusual answers False and the page
    is rendered as usual.
    """
    try:
        if page.obj.get("/Annots"):
            return False
        contents = page.obj.get("/Contents")
        if contents is None:
            return True
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        total = 0
        for st in streams:
            data = st.read_bytes()
            total += len(data)
            if total > 4096:
                return False
            if data.strip() and pikepdf.parse_content_stream(st):
                return False
        return True
    except Exception:
        return False


def open_pdf(path: Path) -> pikepdf.Pdf:
    """Open a PDF that needs no password to open (an owner password only restricts printing or copying:
    such a file is read like any other and its bytes are kept unchanged); refuse one that does."""
    try:
        return pikepdf.open(path)
    except pikepdf.PasswordError as e:
        raise EncryptedPdf(
            f"{path.name}: the PDF needs a password to open; ask the sender for an unprotected copy",
            f"{path.name}: tệp PDF cần mật khẩu mới mở được; đề nghị người gửi cung cấp bản không đặt mật khẩu",
        ) from e
    except Exception as e:
        raise UnreadableImage(
            f"{path.name}: the PDF is damaged and cannot be read ({e})",
            f"{path.name}: tệp PDF bị hỏng, không đọc được",
        ) from e


def _inspect_pdf(path: Path, cfg: OcrConfig) -> tuple[tuple[PageSize, ...], bool]:
    pdf = open_pdf(path)
    with pdf:
        try:
            signed = pdf_is_signed(pdf)
        except Exception:  # a form whose fields cannot be walked: read as a scan, as before
            signed = False
        n = len(pdf.pages)
        if n == 0:
            raise UnreadableImage(f"{path.name}: the PDF has no pages", f"{path.name}: tệp PDF không có trang")
        if n > cfg.max_pages:
            raise TooManyPages(
                f"{path.name}: {n} pages, more than the limit of {cfg.max_pages}",
                f"{path.name}: {n} trang, vượt giới hạn {cfg.max_pages} trang",
            )
        sizes = []
        for page in pdf.pages:
            try:
                box = [float(v) for v in page.mediabox]
                rotate = int(page.obj.get("/Rotate", 0)) % 180
            except Exception as e:
                raise UnreadableImage(
                    f"{path.name}: a page has no valid size ({e})",
                    f"{path.name}: có trang không xác định được kích thước",
                ) from e
            w_pt, h_pt = abs(box[2] - box[0]), abs(box[3] - box[1])
            if rotate:
                w_pt, h_pt = h_pt, w_pt
            w = round(w_pt / 72 * cfg.pdf_dpi)
            h = round(h_pt / 72 * cfg.pdf_dpi)
            _check_pixels(path, w, h, cfg)
            sizes.append(PageSize(w, h, float(cfg.pdf_dpi), blank=_draws_nothing(page)))
    return tuple(sizes), signed


def inspect_source(path: Path, cfg: OcrConfig) -> SourceInfo:
    """Check a scan file completely enough that a later failure is unlikely; raise BadInput if not."""
    if not path.is_file():
        raise BadInput(f"{path.name}: not a regular file", f"{path.name}: không phải tệp thông thường")
    media_type = sniff(path)
    if media_type == "application/pdf":
        sizes, signed = _inspect_pdf(path, cfg)
        return SourceInfo(media_type, sizes, signed)
    return SourceInfo(media_type, _inspect_image(path, cfg))


def _wide_to_uint8(arr: np.ndarray, mode: str) -> np.ndarray:
    """8-bit copy of a 16-bit, 32-bit integer or float plane, scaled over its range, never clipped."""
    if arr.dtype == np.uint8:
        return arr
    if mode == "F" or arr.dtype.kind == "f":
        a = np.nan_to_num(arr.astype(np.float64))
        top = 1.0 if a.max(initial=0.0) <= 1.0 else 65535.0 if a.max(initial=0.0) > 255 else 255.0
        return np.clip(np.rint(a * (255.0 / top)), 0, 255).astype(np.uint8)
    a = arr.astype(np.int64)
    # Pillow opens a 16-bit PNG as "I" (32-bit) and a 16-bit TIFF as "I;16": either way the values run to
    # 65535 (an 8-bit image stored in a wide mode stays below 256 and is kept as it is).
    top = 65535 if a.max(initial=0) > 255 or mode.startswith("I;16") else 255
    return np.clip((a * 255 + top // 2) // top, 0, 255).astype(np.uint8)


def _to_bgr(im: Image.Image) -> np.ndarray:
    """The page as 8-bit BGR whatever the file's pixel format, turned as its EXIF orientation says.

    16-bit colour PNG and TIFF are already reduced to 8 bits per channel by Pillow (scaled, not clipped);
    16-bit grey is not, and is scaled here.
    """
    if _exif_orientation(im) != 1:
        im = ImageOps.exif_transpose(im)
    mode = im.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        grey = _wide_to_uint8(np.asarray(im), mode)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode not in ("RGB", "L"):
        if mode in ("RGBA", "LA", "La", "RGBa", "P", "PA") or "transparency" in im.info:
            rgba = im.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            im = Image.alpha_composite(background, rgba).convert("RGB")
        elif mode == "1":
            im = im.convert("L")  # 0 and 255
        else:  # CMYK, YCbCr, LAB, HSV, …
            im = im.convert("RGB")
    arr = np.asarray(im)
    arr = np.repeat(arr[:, :, None], 3, axis=2) if arr.ndim == 2 else arr[:, :, ::-1]  # grey or RGB -> BGR
    return np.ascontiguousarray(arr)


BLANK_PAGE_DPI = 50
"""Resolution of the white image that stands for a PDF page with nothing drawn on it: there is nothing to
lose, and 2,000 such pages at 300 dpi would cost minutes of JPEG encoding and a quarter of a gigabyte."""


def _raster(n: int, image: np.ndarray, size: PageSize) -> RasterPage:
    return RasterPage(n, image, size.dpi, size.dpi_estimated, size.dpi_source, camera=size.camera)


def iter_pages(path: Path, info: SourceInfo, cfg: OcrConfig) -> Iterator[RasterPage]:
    """Yield the pages of a checked file one by one (never all at once)."""
    if info.media_type == "application/pdf":
        yield from _iter_pdf(path, info, cfg)
        return
    wanted = set(info.page_numbers)
    im = _open_image(path)
    try:
        for n, frame in enumerate(ImageSequence.Iterator(im)):
            if n not in wanted:
                continue
            try:
                image = _to_bgr(frame)
            except Exception as e:
                raise UnreadableImage(
                    f"{path.name}: page {n + 1} cannot be decoded ({e})",
                    f"{path.name}: không đọc được trang {n + 1}",
                ) from e
            yield _raster(n, image, info.pages[n])
    finally:
        im.close()


def _iter_pdf(path: Path, info: SourceInfo, cfg: OcrConfig) -> Iterator[RasterPage]:
    for n in info.page_numbers:
        yield _pdf_page(path, n, cfg, info.pages[n])


def _blank_pdf_page(n: int, size: PageSize, cfg: OcrConfig) -> RasterPage:
    f = BLANK_PAGE_DPI / cfg.pdf_dpi
    w, h = max(1, round(size.width * f)), max(1, round(size.height * f))
    return RasterPage(n, np.full((h, w, 3), 255, np.uint8), float(BLANK_PAGE_DPI), blank=True)


def _pdf_page(path: Path, n: int, cfg: OcrConfig, size: PageSize | None = None) -> RasterPage:
    """Page ``n`` rendered, with its text layer. A page whose layer is trusted as its text (``ocr.textlayer``) is
    rendered at ``text_layer_dpi`` — it will not be OCR'd — and any other at ``pdf_dpi``."""
    if size is not None and size.blank:
        return _blank_pdf_page(n, size, cfg)
    from pdf2image import convert_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError

    layer = None
    dpi = cfg.pdf_dpi
    if cfg.text_layer and size is not None:
        layer = read_text_layer(path, n, size.width, size.height)
        if layer is not None and layer.trusted(cfg.text_layer_max_legacy, cfg.text_layer_min_plausibility):
            dpi = cfg.text_layer_dpi
    try:
        images = convert_from_path(
            str(path),
            dpi=dpi,
            first_page=n + 1,
            last_page=n + 1,
            thread_count=1,
            timeout=max(30, int(cfg.page_timeout_s)),
        )
    except PDFInfoNotInstalledError as e:
        raise MissingDependency(
            "poppler (pdftoppm) is not installed: apt install poppler-utils",
            "chưa cài poppler (pdftoppm): apt install poppler-utils",
        ) from e
    except Exception as e:
        raise UnreadableImage(
            f"{path.name}: page {n + 1} of the PDF cannot be rendered ({e})",
            f"{path.name}: không hiển thị được trang {n + 1} của tệp PDF",
        ) from e
    if not images:
        raise UnreadableImage(
            f"{path.name}: page {n + 1} of the PDF rendered empty",
            f"{path.name}: trang {n + 1} của tệp PDF không có nội dung",
        )
    image = _to_bgr(images[0])
    h, w = image.shape[:2]
    if layer is not None:
        layer = layer.scaled(w, h)
    elif cfg.text_layer and size is None:
        layer = read_text_layer(path, n, w, h)
    return RasterPage(n, image, float(dpi), text_layer=layer)


def load_page(path: Path, info: SourceInfo, n: int, cfg: OcrConfig) -> RasterPage:
    """Page ``n`` (from 0) of a checked file, alone."""
    return load_one_page(path, info.media_type, info.pages[n], n, cfg)


def blank_page(info: SourceInfo, n: int, cfg: OcrConfig) -> RasterPage | None:
    """Page ``n`` when it is known blank without reading the file (a PDF page with nothing drawn on it)."""
    size = info.pages[n]
    return _blank_pdf_page(n, size, cfg) if info.media_type == "application/pdf" and size.blank else None


def load_one_page(path: Path, media_type: str, size: PageSize, n: int, cfg: OcrConfig) -> RasterPage:
    """Page ``n`` (from 0) of a checked file, from its own entry of the file's ``SourceInfo``: what a worker
    process is sent for one page (not the whole file's list of pages, which for 2,000 pages costs more to
    send 2,000 times than reading a blank page)."""
    if media_type == "application/pdf":
        return _pdf_page(path, n, cfg, size)
    im = _open_image(path)
    try:
        try:
            im.seek(n)
            image = _to_bgr(im)
        except Exception as e:
            raise UnreadableImage(
                f"{path.name}: page {n + 1} cannot be decoded ({e})",
                f"{path.name}: không đọc được trang {n + 1}",
            ) from e
    finally:
        im.close()
    return _raster(n, image, size)
