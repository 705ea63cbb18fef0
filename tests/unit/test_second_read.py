"""The second read of a doubtful key field: agreement lifts an OCR doubt, anything else leaves it."""

from datetime import date

from catalog.assess import Reread, agreeing_confidences, assess
from catalog.config import CatalogConfig
from catalog.types import default_document_types
from ocr.model import Word
from tests.fields_data import TEXT, words

CATALOGUE = default_document_types()
TODAY = date(2026, 11, 22)
LIFT = CatalogConfig(verify_fields=())  # only doubtful fields are read again


class FakeReread(Reread):
    """Answers a second read with the given words (or the first read's words at a new confidence)."""

    def __init__(self, first: list[Word], answer=None, conf: float = 96.0) -> None:
        self.first, self.answer, self.conf, self.calls = first, answer, conf, []

    def __call__(self, positions):
        self.calls.append([self.first[i].text for i in positions])
        if self.answer is not None:
            return [Word(t, 0, 0, 1, 1, self.conf) for t in self.answer]
        return [Word("¡:", 0, 0, 1, 1, 40.0)] + [Word(self.first[i].text, 0, 0, 1, 1, self.conf) for i in positions]


def test_an_agreeing_second_read_lifts_the_ocr_doubt():
    first = words(TEXT, {"01/02/2003": 46.0})
    alone = assess(TEXT, CATALOGUE, LIFT, words=first, today=TODAY)
    assert any(r.startswith("field_uncertain: date_of_birth (ocr_word_confidence 46)") for r in alone.review)
    reread = FakeReread(first)
    a = assess(TEXT, CATALOGUE, LIFT, words=first, today=TODAY, reread=reread)
    assert reread.calls == [["01/02/2003"]]  # only the doubtful field's words are read again
    assert a.review == () and a.second_read == ("date_of_birth",)
    dob = a.fields["date_of_birth"]
    assert dob.value == "2003-02-01" and dob.second_read and dob.confidence >= 0.9 and dob.problem is None


def test_a_second_read_that_disagrees_or_is_unsure_leaves_the_doubt():
    first = words(TEXT, {"MY": 58.0})
    for reread in (FakeReread(first, answer=["NGUYỄN", "THỊ", "MỸ"]), FakeReread(first, conf=70.0)):
        a = assess(TEXT, CATALOGUE, LIFT, words=first, today=TODAY, reread=reread)
        assert reread.calls == [["NGUYỄN", "THỊ", "MY"]]
        assert a.fields["full_name"].value == "Nguyễn Thị My"  # never replaced by the second read
        assert any(r.startswith("field_uncertain: full_name") for r in a.review) and a.second_read == ()
    nothing = FakeReread(first, answer=[])
    assert assess(TEXT, CATALOGUE, LIFT, words=first, reread=nothing).second_read == ()


def test_no_second_read_for_a_validator_doubt_or_when_switched_off():
    wrong = TEXT.replace("037303012345", "037203012345")  # the ID says a man, the paper says Nữ
    first = words(wrong)
    reread = FakeReread(first)
    a = assess(wrong, CATALOGUE, LIFT, words=first, today=TODAY, reread=reread)
    assert reread.calls == [] and a.owner_id is None
    doubtful = words(TEXT, {"01/02/2003": 46.0})
    off = FakeReread(doubtful)
    a = assess(
        TEXT, CATALOGUE, CatalogConfig(second_read=False, verify_fields=()), words=doubtful, today=TODAY, reread=off
    )
    assert off.calls == [] and a.review


def test_agreement_is_in_order_and_whole():
    first = ["Đinh", "Hữu"]

    def w(*texts):
        return [Word(t, 0, 0, 1, 1, 90 + i) for i, t in enumerate(texts)]

    assert agreeing_confidences(first, w("¡:", "ĐINH", "HỮU.")) == [91, 92]  # case and punctuation aside
    assert agreeing_confidences(first, w("Hữu", "Đinh")) is None
    assert agreeing_confidences(first, w("Đinh")) is None
    assert agreeing_confidences(first, w("Định", "Hữu")) is None


def test_a_repaired_family_name_is_confirmed_by_a_second_read_of_the_right_spelling():
    read = TEXT.replace("NGUYỄN THỊ MY", "NGUYÊN THỊ MY")  # Tesseract's usual Ễ → Ê, repaired from the list
    first = words(read, {"NGUYÊN": 11.0})
    alone = assess(read, CATALOGUE, LIFT, words=first, today=TODAY)
    assert alone.fields["full_name"].value == "Nguyễn Thị My" and alone.review
    agrees = FakeReread(first, answer=["NGUYỄN", "THỊ", "MY"], conf=91.0)
    a = assess(read, CATALOGUE, LIFT, words=first, today=TODAY, reread=agrees)
    assert a.review == () and a.second_read == ("full_name",) and a.fields["full_name"].value == "Nguyễn Thị My"
    other = FakeReread(first, answer=["NGUYỄN", "THỊ", "MỸ"], conf=91.0)  # the given name differs: no
    assert assess(read, CATALOGUE, LIFT, words=first, today=TODAY, reread=other).review


def test_every_doubtful_place_of_a_value_is_read_again():
    twice = TEXT + "Người đi khai: NGUYỄN THỊ MY\n"
    first = words(twice)
    by_label, signed = [i for i, w in enumerate(first) if w.text == "MY"]
    first[by_label] = Word("MY", 0, 0, 1, 1, 40.0)
    first[signed] = Word("MY", 0, 0, 1, 1, 30.0)  # the same name again in the signature line
    reread = FakeReread(first)
    a = assess(twice, CATALOGUE, LIFT, words=first, today=TODAY, reread=reread)
    assert len(reread.calls) == 2 and a.review == () and a.second_read == ("full_name",)


def test_sure_names_and_id_numbers_are_verified_by_a_second_read():
    first = words(TEXT)
    same = FakeReread(first)
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=first, today=TODAY, reread=same)
    assert sorted(map(tuple, same.calls)) == [("037303012345",), ("NGUYỄN", "THỊ", "MY")]
    assert a.review == () and a.owner_id == "037303012345"
    # Tesseract sure of "MY", the line read alone says "MỸ": a person decides; the value stays as first read
    other = FakeReread(first, answer=["NGUYỄN", "THỊ", "MỸ"])
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=first, today=TODAY, reread=other)
    assert "field_uncertain: full_name (second_read_disagrees)" in a.review
    assert a.fields["full_name"].value == "Nguyễn Thị My" and a.fields["full_name"].confidence <= 0.5
    digit = FakeReread(first, answer=["037303012346"])
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=first, today=TODAY, reread=digit)
    assert "owner_uncertain: id_number" in a.review
    unreadable = FakeReread(first, answer=[])  # the line could not be read at all: the first read stands
    assert assess(TEXT, CATALOGUE, CatalogConfig(), words=first, today=TODAY, reread=unreadable).review == ()


def test_only_a_plausible_confident_other_reading_contradicts():
    from catalog.assess import contradicts
    from catalog.names import is_name_syllable

    def w(*pairs):
        return [Word(t, 0, 0, 1, 1, c) for t, c in pairs]

    first = ["ĐẶNG", "THỊ", "YÊN"]
    assert contradicts(first, w(("ĐẶNG", 91), ("THỊ", 93), ("YẾN", 82)), is_name_syllable)  # a tone read two ways
    assert not contradicts(first, w(("ĐẶNG", 91), ("THỊ", 93), ("YẾN", 30)), is_name_syllable)  # unsure
    assert not contradicts(["NGUYỄN", "VĂN", "AN"], w(("NGUYÊN", 86), ("VĂN", 90), ("AN", 90)), is_name_syllable)
    assert not contradicts(["LÊ", "VĂN", "AN"], w((",Ê", 82), ("VĂN", 90), ("AN", 90)), is_name_syllable)  # clipped
    assert not contradicts(first, w(("ĐẶNG", 91), ("THỊ", 93), ("YÊN", 90)), is_name_syllable)  # the same
    assert contradicts(["037303012345"], w(("037303012346", 95)))  # a digit read two ways
    assert not contradicts(["037303012345"], w(("03730301234", 95)))  # a digit lost: not comparable


def test_a_name_is_also_read_again_with_its_whole_line():
    """Tesseract alone on a name's words can repeat the first read's slip ("MY" for "MỸ") where the whole line
    read in context does not: a sure name is read both ways, and either disagreeing sends it to review."""
    from dataclasses import replace

    from catalog.assess import whole_line

    lines = [ln.split() for ln in TEXT.splitlines() if ln.strip()]
    first = [replace(w, block=1, line=n) for n, ws in enumerate(lines, 1) for w in words(" ".join(ws))]
    name = [i for i, w in enumerate(first) if w.text in ("NGUYỄN", "THỊ", "MY")]
    line = whole_line(name, first)
    assert [first[i].text for i in line] == ["Họ,", "chữ", "đệm,", "tên:", "NGUYỄN", "THỊ", "MY"]
    assert whole_line(line, first) == [] and whole_line([], first) == []  # nothing more on the line
    assert whole_line(name, words(TEXT)) == []  # words without line numbers: no line to read

    class ByLine(FakeReread):
        def __call__(self, positions):  # the name's words alone agree; the line read in context says "MỸ"
            self.calls.append([self.first[i].text for i in positions])
            texts = [self.first[i].text for i in positions]
            if len(texts) > 3:
                texts = [("MỸ" if t == "MY" else t) for t in texts]
            return [Word(t, 0, 0, 1, 1, 95.0) for t in texts]

    reread = ByLine(first)
    a = assess(TEXT, CATALOGUE, CatalogConfig(), words=first, today=TODAY, reread=reread)
    assert ["Họ,", "chữ", "đệm,", "tên:", "NGUYỄN", "THỊ", "MY"] in reread.calls
    assert "field_uncertain: full_name (second_read_disagrees)" in a.review
    assert a.fields["full_name"].value == "Nguyễn Thị My"  # never replaced by a second read
    same = FakeReread(first)  # both reads agree: nothing to review
    assert assess(TEXT, CATALOGUE, CatalogConfig(), words=first, today=TODAY, reread=same).review == ()
    assert len(same.calls) == 3  # the ID number, the name, the name's line
