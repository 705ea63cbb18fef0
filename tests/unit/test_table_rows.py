"""A ruled table's cells, which Tesseract gives one block each, read across row by row below the header."""

from __future__ import annotations

from ocr.layout import rows_across
from ocr.model import Word
from ocr.tesseract import page_text_from_data

H = 30


def _line(text: str, left: int, top: int, block: int) -> list[Word]:
    words, x = [], left
    for t in text.split():
        words.append(Word(t, x, top, 18 * len(t), H, 95.0, block))
        x += 18 * len(t) + 14
    return words


def _data(blocks: list[list[tuple[str, int, int]]]) -> dict:
    """pytesseract's dictionary for blocks of (text, left, top) lines, in the order given."""
    keys = ("level", "block_num", "par_num", "line_num", "word_num", "left", "top", "width", "height", "conf", "text")
    d: dict[str, list] = {k: [] for k in keys}
    for b, lines in enumerate(blocks, 1):
        for n, (text, left, top) in enumerate(lines, 1):
            for k, w in enumerate(_line(text, left, top, b), 1):
                row = (5, b, 1, n, k, w.left, w.top, w.width, w.height, 95, w.text)
                for key, v in zip(keys, row, strict=True):
                    d[key].append(v)
    return d


HEADER = [
    [("CÔNG AN TỈNH NINH BÌNH", 150, 100), ("CÔNG AN XÃ NHƯ HÒA", 190, 140)],
    [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 900, 100), ("Độc lập - Tự do - Hạnh phúc", 960, 140)],
    [("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", 500, 300)],
]
# one row of a ruled table, each cell its own block as Tesseract gives them: two cells run on two lines
ROW = [
    [("8. Họ, chữ đệm", 150, 600), ("và tên chủ hộ", 150, 640)],
    [("TRẦN KIM OANH", 520, 600)],
    [("Quan hệ với chủ", 900, 600), ("hộ", 900, 640)],
    [("Con", 1300, 600)],
]


def test_a_table_rows_cells_read_across_as_printed():
    text = page_text_from_data(_data(HEADER + ROW), 1654, 2339).text
    lines = text.splitlines()
    # cell after cell on one line, a tab between them (a space to any reader, a cell boundary to pairing)
    assert "8. Họ, chữ đệm\tTRẦN KIM OANH\tQuan hệ với chủ\tCon" in lines
    assert "và tên chủ hộ\thộ" in lines
    # the header's two columns stay two texts above the title
    assert "CÔNG AN TỈNH NINH BÌNH" in lines and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    assert lines.index("CÔNG AN XÃ NHƯ HÒA") < lines.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")


def test_blocks_one_above_the_other_or_in_the_header_are_left_as_they_are():
    para = [
        [("Công an xã xác nhận thông tin về cư trú", 150, 500), ("của công dân như sau:", 150, 540)],
        [("5. Nơi thường trú Xã Như Hòa", 150, 600)],
    ]
    header = [[_line(t, x, y, b) for t, x, y in block] for b, block in enumerate(HEADER)]
    blocks = [[_line(t, x, y, 9 + b) for t, x, y in block] for b, block in enumerate(para)]
    assert rows_across(header + blocks, header_end=290) == header + blocks
    # side by side but above where the header ends: two texts, not one row
    assert rows_across(header, header_end=290) == header


def test_a_vertical_rule_read_as_a_character_is_a_cell_boundary_not_text():
    rule = [("Họ, chữ đệm, tên người yêu cầu | LÊ THU PHƯƠNG", 150, 600)]
    text = page_text_from_data(_data([*HEADER, rule]), 1654, 2339).text
    assert "Họ, chữ đệm, tên người yêu cầu\tLÊ THU PHƯƠNG" in text.splitlines()
    assert "|" not in text


def test_a_strip_read_down_beside_a_list_is_not_a_row_of_it():
    # list numbers Tesseract split off and read down as one tall "line" of junk, beside the list's own lines
    items = [(f"Mục thứ {n} của danh sách", 220, 600 + 45 * n) for n in range(1, 8)]
    junk = [Word("({‹©", 150, 630, 40, 330, 20.0, 9), Word("¬I1I", 150, 660, 40, 300, 20.0, 9)]
    blocks = [[junk], [_line(t, x, y, 10) for t, x, y in items]]
    out = rows_across(blocks, header_end=290)
    assert out == blocks  # each item stays its own line; none is joined to the next through the strip


def test_a_motto_reaching_across_the_middle_beside_the_issuing_body_is_no_title():
    # the motto's block starts left of the page's middle; beside the issuing body it is no centred title, so the
    # header's two columns stay two texts and are not read across as a table's row
    header = [
        [("ỦY BAN NHÂN DÂN", 150, 100), ("HUYỆN YÊN KHÁNH", 160, 140)],
        [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 760, 100), ("Độc lập - Tự do - Hạnh phúc", 840, 140)],
        [("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", 500, 300)],
    ]
    lines = page_text_from_data(_data(header + ROW), 1654, 2339).text.splitlines()
    assert "ỦY BAN NHÂN DÂN" in lines and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines
    assert lines.index("HUYỆN YÊN KHÁNH") < lines.index("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert "8. Họ, chữ đệm\tTRẦN KIM OANH\tQuan hệ với chủ\tCon" in lines  # the table below still reads across
