"""A birth certificate's OCR text and its words, for the field and second-read tests (plain data, no tests)."""

from ocr.model import Word

TEXT = """ỦY BAN NHÂN DÂN
XÃ NINH HẢI
GIẤY KHAI SINH
Họ, chữ đệm, tên: NGUYỄN THỊ MY
Ngày, tháng, năm sinh: 01/02/2003
Giới tính: Nữ    Dân tộc: Kinh
Số định danh cá nhân: 037303012345
Ngày, tháng, năm đăng ký: 15/02/2003
"""


def words(text: str, low: dict[str, float] | None = None) -> list[Word]:
    """One OCR word per token of ``text``, at confidence 95 unless ``low`` says otherwise."""
    low = low or {}
    return [Word(t, 0, 0, 1, 1, low.get(t, 95.0)) for t in text.split()]
