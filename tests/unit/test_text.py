from hypothesis import given
from hypothesis import strategies as st

from ocr.text import fold, nfc, tidy, unaccent

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
VIET += VIET.upper() + " ,.:/0123456789"


@given(st.text(alphabet=VIET, max_size=200))
def test_unaccent_keeps_length(s):
    s = nfc(s)
    assert len(unaccent(s)) == len(s)
    assert unaccent(s).isascii()


def test_fold_examples():
    assert fold("Ninh Bình") == "ninh binh"
    assert fold("ĐỘC LẬP - TỰ DO - HẠNH PHÚC") == "doc lap - tu do - hanh phuc"
    assert fold("Họ, chữ đệm, tên") == "ho, chu dem, ten"


def test_nfc_composes_decomposed_input():
    decomposed = "Nguye\u0302\u0303n"  # e + circumflex + tilde
    assert nfc(decomposed) == "Nguyễn"
    assert unaccent(nfc(decomposed)) == "Nguyen"


def test_tidy_fixes_spacing_only():
    assert tidy("Họ , chữ đệm :  NGUYỄN   VĂN A  ") == "Họ, chữ đệm: NGUYỄN VĂN A"


def test_a_line_that_starts_with_a_full_stop_keeps_its_line_break():
    # a list item whose number Tesseract lost keeps its "." first: the space before punctuation goes, the line
    # break does not (nine items were read as one line)
    assert (
        tidy("CHỨNG NHẬN:\n. Họ, chữ đệm, tên: AN\n. Giới tính: Nam")
        == "CHỨNG NHẬN:\n. Họ, chữ đệm, tên: AN\n. Giới tính: Nam"
    )
    assert tidy("Số :  12 , Nam .") == "Số: 12, Nam."
    # a list number on a line of its own, its full stop starting the next: one line
    assert tidy("9\n\n. Thông tin về cấm: Không") == "9. Thông tin về cấm: Không"
