"""Open scan files, check them before any work, and yield their pages one at a time.

Accepted: PNG, JPEG, TIFF (multi-page) and PDF (rasterized page by page with poppler through
pdf2image, so memory stays flat on long files). Everything else is refused with a
:class:`~ocr.errors.BadInput` that says why, in Vietnamese and English.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageSequence

from ocr.config import OcrConfig
from ocr.errors import (
    BadInput,
    DecompressionBomb,
    EmptyFile,
    EncryptedPdf,
    MissingDependency,
    SignedPdf,
    TooManyPages,
    UnreadableImage,
    UnsupportedFormat,
)

MEDIA_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/tiff": ".tif",
    "application/pdf": ".pdf",
}

A4_SHORT_IN = 8.27
A4_LONG_IN = 11.69


@dataclass(frozen=True, slots=True)
class PageSize:
    width: int
    height: int
    dpi: float
    dpi_estimated: bool = False


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a scan file holds, learned without keeping any page in memory."""

    media_type: str
    pages: tuple[PageSize, ...]
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


def _image_dpi(im: Image.Image, cfg: OcrConfig) -> tuple[float, bool]:
    dpi = im.info.get("dpi")
    if dpi:
        try:
            x = float(dpi[0])
        except (TypeError, ValueError, IndexError):
            x = 0.0
        if 50 <= x <= 2400:
            return x, False
    # No usable resolution in the file: assume a full-page administrative paper (A4) when the
    # proportions fit, else the configured fallback.
    w, h = im.size
    short, long_ = sorted((w, h))
    if long_ and 1.3 < long_ / max(short, 1) < 1.5:
        return round(short / A4_SHORT_IN), True
    return cfg.fallback_dpi, True


def _check_pixels(path: Path, w: int, h: int, cfg: OcrConfig) -> None:
    if w <= 0 or h <= 0:
        raise UnreadableImage(f"{path.name}: image has no pixels", f"{path.name}: ảnh không có điểm ảnh")
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
            dpi, estimated = _image_dpi(frame, cfg)
            sizes.append(PageSize(w, h, dpi, estimated))
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


def _inspect_pdf(path: Path, cfg: OcrConfig) -> tuple[PageSize, ...]:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as e:
        raise EncryptedPdf(
            f"{path.name}: the PDF is password-protected",
            f"{path.name}: tệp PDF được đặt mật khẩu",
        ) from e
    except Exception as e:
        raise UnreadableImage(
            f"{path.name}: the PDF is damaged and cannot be read ({e})",
            f"{path.name}: tệp PDF bị hỏng, không đọc được",
        ) from e
    with pdf:
        if pdf.is_encrypted:
            raise EncryptedPdf(
                f"{path.name}: the PDF is encrypted",
                f"{path.name}: tệp PDF bị mã hóa",
            )
        try:
            signed = pdf_is_signed(pdf)
        except Exception:
            signed = False
        if signed:
            raise SignedPdf(
                f"{path.name}: the PDF already carries a digital signature; it is kept untouched "
                "and needs a clerk's decision",
                f"{path.name}: tệp PDF đã có chữ ký số; giữ nguyên bản gốc, cần cán bộ xử lý",
            )
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
            sizes.append(PageSize(w, h, float(cfg.pdf_dpi)))
    return tuple(sizes)


def inspect_source(path: Path, cfg: OcrConfig) -> SourceInfo:
    """Check a scan file completely enough that a later failure is unlikely; raise BadInput if not."""
    if not path.is_file():
        raise BadInput(f"{path.name}: not a regular file", f"{path.name}: không phải tệp thông thường")
    media_type = sniff(path)
    if media_type == "application/pdf":
        return SourceInfo(media_type, _inspect_pdf(path, cfg))
    return SourceInfo(media_type, _inspect_image(path, cfg))


def _to_bgr(im: Image.Image) -> np.ndarray:
    if im.mode not in ("RGB", "L"):
        if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
            rgba = im.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            im = Image.alpha_composite(background, rgba).convert("RGB")
        elif im.mode in ("1", "I;16", "I", "F"):
            im = im.convert("L")
        else:
            im = im.convert("RGB")
    arr = np.asarray(im)
    arr = np.repeat(arr[:, :, None], 3, axis=2) if arr.ndim == 2 else arr[:, :, ::-1]  # grey or RGB -> BGR
    return np.ascontiguousarray(arr)


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
            size = info.pages[n]
            try:
                image = _to_bgr(frame)
            except Exception as e:
                raise UnreadableImage(
                    f"{path.name}: page {n + 1} cannot be decoded ({e})",
                    f"{path.name}: không đọc được trang {n + 1}",
                ) from e
            yield RasterPage(n, image, size.dpi, size.dpi_estimated)
    finally:
        im.close()


def _iter_pdf(path: Path, info: SourceInfo, cfg: OcrConfig) -> Iterator[RasterPage]:
    for n in info.page_numbers:
        yield _pdf_page(path, n, cfg)


def _pdf_page(path: Path, n: int, cfg: OcrConfig) -> RasterPage:
    from pdf2image import convert_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError

    try:
        images = convert_from_path(
            str(path),
            dpi=cfg.pdf_dpi,
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
    return RasterPage(n, _to_bgr(images[0]), float(cfg.pdf_dpi))


def load_page(path: Path, info: SourceInfo, n: int, cfg: OcrConfig) -> RasterPage:
    """Page ``n`` (from 0) of a checked file, alone: what a worker process reads for one page."""
    if info.media_type == "application/pdf":
        return _pdf_page(path, n, cfg)
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
    size = info.pages[n]
    return RasterPage(n, image, size.dpi, size.dpi_estimated)
