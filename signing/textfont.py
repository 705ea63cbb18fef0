"""An embedded, subset TrueType font for the invisible OCR text layer (Type0, Identity-H, ToUnicode).

Glyph ids are kept as in the full font (``retain_gids``) so the content stream can use them directly,
and a ToUnicode map makes every viewer copy and search the text as Vietnamese Unicode.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

# Latin, Latin-1, Latin Extended A/B, combining marks, Vietnamese (Latin Extended Additional),
# general punctuation, the dong sign: everything Vietnamese papers and the signature box print.
VIETNAMESE_RANGES = ((0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20AB, 0x20AC))


@lru_cache(maxsize=32)
def compact_font(path: Path, chars: str | None = None) -> Path:
    """A copy of ``path`` reduced to the Vietnamese/Latin glyphs (or to ``chars``), made once, cached on disk.

    A full font such as Liberation Serif has ~2,600 glyphs; reading and subsetting it for every page
    and every signature costs more than the signature. The reduced copy (a few hundred glyphs) keeps
    every character a Vietnamese paper uses, so output is unchanged, and is reused across processes.
    """
    st = path.stat()
    key = f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}:v2:{chars or ''}"
    tag = hashlib.sha256(key.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("SOHOA_FONT_CACHE") or Path(tempfile.gettempdir()) / f"sohoa-fonts-{os.getuid()}")
    out = cache / f"{path.stem}-{tag}.ttf"
    if out.exists():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.layout_features = []  # precomposed Vietnamese glyphs need no shaping
    opts.hinting = False
    opts.drop_tables += ["FFTM", "DSIG", "GSUB", "GPOS", "GDEF", "kern"]
    font = TTFont(str(path))
    sub = subset.Subsetter(opts)
    if chars:
        sub.populate(unicodes=sorted({ord(c) for c in chars}))
    else:
        sub.populate(unicodes=[u for lo, hi in VIETNAMESE_RANGES for u in range(lo, hi + 1)])
    sub.subset(font)
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(tmp))
    tmp.replace(out)
    return out


@dataclass
class TextFont:
    path: Path

    def __post_init__(self) -> None:
        self.font = TTFont(str(self.path), lazy=True)
        self.cmap = self.font.getBestCmap()
        self.upm = self.font["head"].unitsPerEm
        self.hmtx = self.font["hmtx"]
        self.glyph_order = self.font.getGlyphOrder()
        self.name = str(self.font["name"].getDebugName(6) or "TextFont").replace(" ", "")
        self.used: dict[int, str] = {}  # gid -> unicode text

    def gid(self, ch: str) -> int:
        g = self.cmap.get(ord(ch))
        if g is None:
            return 0
        return self.font.getGlyphID(g)

    def encode(self, text: str) -> tuple[bytes, float]:
        """Identity-H bytes of ``text`` and its width in text-space units (1000 per em)."""
        out = bytearray()
        width = 0.0
        for ch in text:
            g = self.gid(ch)
            if g == 0:
                continue
            self.used.setdefault(g, ch)
            out += g.to_bytes(2, "big")
            width += self.hmtx[self.glyph_order[g]][0] * 1000.0 / self.upm
        return bytes(out), width

    def _subset_bytes(self) -> bytes:
        opts = subset.Options()
        opts.retain_gids = True
        opts.notdef_outline = True
        opts.hinting = False
        opts.name_IDs = ["*"]
        opts.layout_features = []
        opts.drop_tables += ["FFTM", "DSIG"]
        full = TTFont(str(self.path))
        sub = subset.Subsetter(opts)
        sub.populate(gids=sorted({0, *self.used}))
        sub.subset(full)
        buf = io.BytesIO()
        full.save(buf)
        return buf.getvalue()

    def _to_unicode(self) -> bytes:
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
        ]
        items = sorted(self.used.items())
        for start in range(0, len(items), 100):
            chunk = items[start : start + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            for gid, ch in chunk:
                lines.append(f"<{gid:04X}> <{ch.encode('utf-16-be').hex().upper()}>")
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines).encode("ascii")

    def pdf_font(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """The Type0 font object for everything encoded so far."""
        data = self._subset_bytes()
        head = self.font["head"]
        hhea = self.font["hhea"]
        scale = 1000.0 / self.upm
        tag = "SOHOAA+"
        descriptor = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor,
                FontName=pikepdf.Name("/" + tag + self.name),
                Flags=4,
                FontBBox=[
                    round(head.xMin * scale),
                    round(head.yMin * scale),
                    round(head.xMax * scale),
                    round(head.yMax * scale),
                ],
                ItalicAngle=0,
                Ascent=round(hhea.ascent * scale),
                Descent=round(hhea.descent * scale),
                CapHeight=round(hhea.ascent * scale * 0.7),
                StemV=80,
                FontFile2=pdf.make_stream(data, Length1=len(data)),
            )
        )
        widths: list = []
        for gid in sorted(self.used):
            widths += [gid, [round(self.hmtx[self.glyph_order[gid]][0] * scale)]]
        cid_font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.CIDFontType2,
                BaseFont=pikepdf.Name("/" + tag + self.name),
                CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
                FontDescriptor=descriptor,
                W=widths,
                DW=1000,
                CIDToGIDMap=pikepdf.Name.Identity,
            )
        )
        return pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type0,
                BaseFont=pikepdf.Name("/" + tag + self.name),
                Encoding=pikepdf.Name("/Identity-H"),
                DescendantFonts=[cid_font],
                ToUnicode=pdf.make_stream(self._to_unicode()),
            )
        )
