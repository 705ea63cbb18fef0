"""An embedded, subset TrueType font for the invisible OCR text layer (Type0, Identity-H, ToUnicode).

The font is the Vietnamese compact font (``compact_font``), embedded whole: its glyph ids are the ones the
content stream uses, and a ToUnicode map makes every viewer copy and search the text as Vietnamese Unicode.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

# What Vietnamese papers and the signature box print: ASCII, Latin-1, the Vietnamese letters outside it
# (Ăă Đđ Ĩĩ Ũũ Ơơ Ưư, U+1EA0–U+1EF9), the combining tone marks, punctuation, ₫ and €.
VIETNAMESE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x102, 0x103),
    (0x110, 0x111),
    (0x128, 0x129),
    (0x168, 0x169),
    (0x1A0, 0x1A1),
    (0x1AF, 0x1B0),
    (0x300, 0x303),
    (0x309, 0x309),
    (0x323, 0x323),
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2027),
    (0x2030, 0x203A),
    (0x20AB, 0x20AC),
)


@lru_cache(maxsize=32)
def compact_font(path: Path, chars: str | None = None) -> Path:
    """A copy of ``path`` reduced to the Vietnamese/Latin glyphs (or to ``chars``), made once, cached on disk.

    A full font such as Liberation Serif has ~2,600 glyphs; reading and subsetting it for every page
    and every signature costs more than the signature. The reduced copy (a few hundred glyphs) keeps
    every character a Vietnamese paper uses, so output is unchanged, and is reused across processes.
    """
    st = path.stat()
    key = f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}:v3:{chars or ''}"
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


@lru_cache(maxsize=8)
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


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
        """The font program to embed: the Vietnamese compact font itself (``compact_font``), whole.

        Subsetting it again per document cost ~10 ms of CPU (fontTools) to save ~9 KB of a ~220 KB page;
        the compact font is already a subset of the original (hence the ``SOHOAA+`` tag) and its glyph
        ids are the ones the content stream uses.
        """
        return _font_bytes(self.path)

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
