"""The dossier's reception receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") as a catalogue type: recognised by
its title, its fields read (dossier code, receipt date, applicant), archived without review although it names
no owner by ID; and a receipt cut from a stack declared of that type (``pipeline.stacks``)."""

from __future__ import annotations

import numpy as np

from catalog.assess import assess
from catalog.codes import find_printed_dossier_code
from catalog.config import CatalogConfig
from catalog.errors import InvalidCode
from catalog.review import normalize_field
from catalog.types import default_document_types
from ocr.model import PageText
from ocr.text import Word
from pipeline.model import Declared, PlannedItem
from pipeline.split import PageSignal, split_stack
from pipeline.stacks import CODE_DPI, SCREEN_DPI, find_printed_receipts, items_of_split

CODE = "000.00.12.H42-260515-0042"
RECEIPT = f"""UBND TỈNH NINH BÌNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG Độc lập - Tự do - Hạnh phúc
GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ
Mã hồ sơ: {CODE}
Trung tâm Phục vụ hành chính công tiếp nhận hồ sơ của: Ông/Bà Nguyễn Văn An
Nội dung yêu cầu giải quyết: Đăng ký khai sinh
Thành phần hồ sơ nộp gồm: Tờ khai; Giấy chứng sinh; Giấy tờ tùy thân
Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 15 tháng 05 năm 2026
Thời gian trả kết quả: 14 giờ 00 phút, ngày 18 tháng 05 năm 2026
NGƯỜI TIẾP NHẬN"""


def test_the_receipt_is_classified_and_its_fields_read_without_review():
    a = assess(RECEIPT, default_document_types(), CatalogConfig())
    assert a.type_code == "GTNHS" and a.type_confidence >= 0.8
    assert a.fields["dossier_code"].value == CODE
    assert a.fields["issue_date"].value == "2026-05-15"
    assert a.fields["full_name"].value == "Nguyễn Văn An"
    assert a.review == () and a.owner_id is None  # filed by its dossier: no owner ID is no reason for review


def test_a_receipt_that_names_nobody_still_needs_no_review_but_a_bad_code_is_said():
    blank_name = RECEIPT.replace("Ông/Bà Nguyễn Văn An", "Ông/Bà ..............")
    a = assess(blank_name, default_document_types(), CatalogConfig(), declared_type="GTNHS")
    assert a.review == ()
    assert not (a.fields.get("full_name") and a.fields["full_name"].value)
    bad = assess(RECEIPT.replace(CODE, "000.00.12.H42-261399-0042"), default_document_types(), CatalogConfig())
    assert bad.fields["dossier_code"].problem == "dossier_code_invalid"  # month 13: not a dossier code


def test_other_papers_are_not_taken_for_receipts():
    doc_types = default_document_types()
    form = "TỜ KHAI ĐĂNG KÝ KHAI SINH\nKính gửi: UBND xã Gia Viễn\nHọ, chữ đệm, tên người yêu cầu: Nguyễn Văn An"
    assert assess(form, doc_types, CatalogConfig()).type_code == "TK"
    gks = "GIẤY KHAI SINH\nHọ, chữ đệm, tên: Trần Thị Bình\nNơi sinh: Ninh Bình\nDân tộc: Kinh"
    assert assess(gks, doc_types, CatalogConfig()).type_code == "GKS"


def test_printed_dossier_codes_are_put_right():
    assert find_printed_dossier_code("Mã hồ sơ: 000.00.02.H42-260309-.0555")[0] == "000.00.02.H42-260309-0555"
    assert find_printed_dossier_code("Sơ): 000.00.02.H42-260309.05ss")[0] == "000.00.02.H42-260309-0555"
    assert find_printed_dossier_code("0OO.00.I6.H42 - 23O515 - 0003")[0] == "000.00.16.H42-230515-0003"
    assert find_printed_dossier_code("Số: 123/2026/QĐ-UBND") is None
    assert normalize_field("dossier_code", f" {CODE} ") == CODE
    try:
        normalize_field("dossier_code", "000.00.12.H42-26051-0042")
        raise AssertionError("a code without its full date was accepted")
    except InvalidCode:
        pass


def test_a_receipt_cut_from_a_stack_is_declared_a_receipt_without_a_review_note():
    signals = [PageSignal(0, codes=(CODE,)), PageSignal(1, blank=True), PageSignal(2), PageSignal(3)]
    split = split_stack(signals)
    item = PlannedItem(1, "stack.pdf", ("/scans/stack.pdf",), Declared(), None)
    items = items_of_split(item, split, 4, "GTNHS")
    assert [it.pages for it in items] == [(0,), (2, 3)]
    receipt, paper = items
    assert receipt.declared.type_code == "GTNHS" and receipt.declared.kind == "component"
    assert receipt.declared.dossier == CODE and receipt.declared.notes == ()  # notes are review reasons
    assert paper.declared.type_code is None and paper.declared.dossier == CODE
    # a receipt whose code cannot be followed is not declared a receipt: it goes to review saying why
    bad = split_stack([PageSignal(0, receipt_text=""), PageSignal(1)])
    first = items_of_split(item, bad, 2, "GTNHS")[0]
    assert first.declared.type_code is None and any("mã hồ sơ" in n for n in first.declared.notes)


class BandReader:
    """An engine that reads, from each band on the canvas it is given, the text set for that band's page (the
    band's grey level is its page number) and resolution (screening or the code's re-read)."""

    def __init__(self, screen: dict[int, str], precise: dict[int, str]) -> None:
        self.screen, self.precise, self.calls = screen, precise, []

    def recognize(self, canvas: np.ndarray, dpi: float) -> PageText:
        self.calls.append(dpi)
        words, column, y = [], canvas[:, 0], 0
        while y < len(column):
            v = int(column[y])
            if v == 255:
                y += 1
                continue
            top = y
            while y < len(column) and column[y] == v:
                y += 1
            text = (self.precise if dpi >= CODE_DPI else self.screen).get(v, "")
            words += [Word(line, 0, top + 12 * i, 100, 10, 90.0) for i, line in enumerate(text.splitlines())]
        return PageText("", tuple(words), 0.9, canvas.shape[1], canvas.shape[0])


def _band(page: int, height: int = 120) -> np.ndarray:
    return np.full((height, 200), page, np.uint8)


def test_only_pages_that_screen_as_receipts_are_read_again_for_their_code():
    title = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    screen = {
        1: "GIẤY KHAI SINH\nHọ, chữ đệm, tên",
        2: f"{title}\nMã hồ sơ: 000.00.12.H42-260515-0048",  # a digit misread at low resolution
        3: f"{title}\nMã hồ sơ: (nhòe)",
        4: "GIAY TIEP NHAN HO\nSO VA HEN TRA KET QUA",  # the title broken, its code not even seen
        5: "TỜ KHAI\nKính gửi",
    }
    precise = {
        2: f"{title}\nMã hồ sơ: {CODE}",
        3: f"{title}\nMã hồ sơ: nhòe",
        4: f"{title}\nMã hồ sơ: 000.00.16.H42-230515-0003",
    }
    engine = BandReader(screen, precise)
    reread_pages: list[list[int]] = []

    def reread(pages):
        reread_pages.append(pages)
        for n in pages:  # the page itself at 200 dpi: its top third is read at CODE_DPI
            yield n, np.full((600, 400), n, np.uint8), 200.0

    bands = [(n, _band(n)) for n in screen]
    found = find_printed_receipts(bands, reread, engine)
    assert reread_pages == [[2, 3, 4]]  # the papers are not read twice
    assert found == {2: CODE, 3: "", 4: "000.00.16.H42-230515-0003"}
    assert engine.calls[0] == SCREEN_DPI and all(d >= CODE_DPI for d in engine.calls[1:])
    assert find_printed_receipts([(1, _band(1)), (5, _band(5))], reread, engine) == {}
