"""``ocr.pdfcheck.active_content`` finds what a scanned PDF never needs, wherever it is nested."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from ocr.pdfcheck import active_content

N, D, S = pikepdf.Name, pikepdf.Dictionary, pikepdf.String


def _js() -> pikepdf.Dictionary:
    return D(S=N.JavaScript, JS=S("app.alert('x')"))


def _make(path: Path, change) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    change(pdf)
    pdf.save(path)
    return path


def _attach(pdf):
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00 not a scan", filename="payload.exe")


def _names_js(pdf):
    pdf.Root.Names = D(JavaScript=D(Names=pikepdf.Array([S("a"), pdf.make_indirect(_js())])))


def _annotation_js(pdf):
    link = D(Type=N.Annot, Subtype=N.Link, Rect=[0, 0, 10, 10], A=_js())
    pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(link)])


CASES = {
    "open_action": (lambda pdf: setattr(pdf.Root, "OpenAction", _js()), ("javascript",)),
    "names_tree": (_names_js, ("javascript",)),
    "page_action": (lambda pdf: setattr(pdf.pages[0].obj, "AA", D(O=_js())), ("javascript",)),
    "link_annotation": (_annotation_js, ("javascript",)),
    "attachment": (_attach, ("embedded_file",)),
    "launch": (lambda pdf: setattr(pdf.Root, "OpenAction", D(S=N.Launch, F=S("cmd.exe"))), ("launch_action",)),
    "xfa": (lambda pdf: setattr(pdf.Root, "AcroForm", D(Fields=pikepdf.Array(), XFA=S("<xdp/>"))), ("xfa_form",)),
    "both": (lambda pdf: (_attach(pdf), setattr(pdf.Root, "OpenAction", _js())), ("javascript", "embedded_file")),
}


@pytest.mark.parametrize("case", CASES)
def test_active_content_is_found(tmp_path: Path, case: str):
    change, expected = CASES[case]
    assert active_content(_make(tmp_path / f"{case}.pdf", change)) == expected


def test_a_plain_scan_has_none(tmp_path: Path):
    assert active_content(_make(tmp_path / "plain.pdf", lambda pdf: None)) == ()
