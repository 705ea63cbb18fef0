"""Vietnamese plausibility, safe fixes and the low-confidence flag (no Tesseract)."""

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr.config import OcrConfig
from ocr.errors import MissingDependency, OcrError
from ocr.model import PageText
from ocr.tesseract import judge
from ocr.text import fold, is_syllable, plausibility, safe_fixes

REAL = """ỦY BAN NHÂN DÂN
XÃ NINH GIANG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 229/2011 Quyển số: 01/2011
GIẤY KHAI SINH
Họ, chữ đệm, tên: PHẠM NGỌC UYÊN
Ngày, tháng, năm sinh: 07/02/2011
Quê quán: Xã Ninh Giang, huyện Hoa Lư, tỉnh Ninh Bình
Số định danh cá nhân: 037311995040"""

# What bare Tesseract returns for the same page fed sideways
GARBAGE = """HOÏLHĐ
Nyq NVHN Nvq A0 ÑL
yz0z upu ứ0 Bupun z£ ÁpPu “2 uID]
: yz0c/zo/zZ :Ê8u§p 998" “8ueu) 'Á€8N
qutg tutN 08 “uos uury uệẨnu “q4 0iry[ ex UEP EU ươq Ấq :ts 'PX Á» 8uep !0N"""


@pytest.mark.parametrize("word", ["Nguyễn", "nghiêng", "CỘNG", "HÒA", "khuya", "Quyển", "gì", "Đức", "ương"])
def test_valid_syllables(word):
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["Nyq", "qutg", "uury", "xyz", "bàá", "ẨnuQ"])
def test_invalid_syllables(word):
    assert not is_syllable(word)


def test_real_text_is_plausible_and_garbage_is_not():
    assert plausibility(REAL) > 0.95
    assert plausibility(GARBAGE) < 0.5
    assert plausibility("Số") == 1.0  # too little to judge


def test_an_implausible_page_is_flagged_and_its_confidence_lowered():
    cfg = OcrConfig()
    page = judge(PageText(GARBAGE, (), 0.83, 100, 100), cfg)
    assert page.low_confidence and page.confidence < 0.5 and page.text  # kept for a person, not trusted
    good = judge(PageText(REAL, (), 0.93, 100, 100), cfg)
    assert not good.low_confidence and good.confidence == 0.93
    unsure = judge(PageText(REAL, (), 0.41, 100, 100), cfg)
    assert unsure.low_confidence


def test_safe_fixes():
    assert safe_fixes("Họ tên:Nguyễn Văn ðức , sinh năm 1990") == "Họ tên: Nguyễn Văn đức, sinh năm 1990"
    assert safe_fixes("Nguye\u0302\u0303n") == "Nguyễn"  # composition
    assert safe_fixes("lúc 10:30, 1,5 ha") == "lúc 10:30, 1,5 ha"  # numbers untouched
    assert safe_fixes("a \u0301b") == "a b"  # a mark with nothing to sit on


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáạầấậềếệọồốộờớợùúụừứựỳý ,.:/0123456789", max_size=80))
def test_safe_fixes_never_change_the_letters(s):
    keep = [c for c in fold(s) if c.isalnum()]
    assert [c for c in fold(safe_fixes(s)) if c.isalnum()] == keep


def test_errors_survive_a_trip_through_a_worker_process():
    e = pickle.loads(pickle.dumps(MissingDependency("x missing: apt install tesseract-ocr-vie", "thiếu x")))
    assert isinstance(e, OcrError) and e.vi == "thiếu x" and "apt install" in str(e)
