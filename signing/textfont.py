"""An embedded, subset TrueType font for the invisible OCR text layer (Type0, Identity-H, ToUnicode).

Glyph ids are kept as in the full font (``retain_gids``) so the content stream can use them directly,
and a ToUnicode map makes every viewer copy and search the text as Vietnamese Unicode.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont


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
