"""Cutting a stack into documents (``pipeline.split``): a pure function of what was seen on each page."""

from hypothesis import given
from hypothesis import strategies as st

from pipeline.split import PageSignal, SplitRules, receipt_code, split_stack

DOC = "SOHOA-SEP/1 DOC"
END = "SOHOA-SEP/1 END"
CODE = "000.00.16.H42-230515-0003"
OTHER = "000.00.16.H42-230516-0001"


def sig(n, *codes, blank=False, unreadable=(), text=None):
    return PageSignal(n, blank, tuple(codes), tuple(unreadable), text)


def pages(split):
    return [p.pages for p in split.parts]


def test_separator_sheets_start_documents_and_are_dropped():
    s = split_stack([sig(0), sig(1, DOC), sig(2), sig(3), sig(4, DOC + " TYPE=GKS"), sig(5), sig(6, END)])
    assert pages(s) == [[0], [2, 3], [5]]
    assert [p.type_code for p in s.parts] == [None, None, "GKS"]
    assert s.dropped == [(1, "separator"), (4, "separator"), (6, "separator")]


def test_receipt_starts_its_dossier_and_is_its_first_component():
    s = split_stack([sig(0, CODE), sig(1, blank=True), sig(2), sig(3, DOC), sig(4), sig(5, END), sig(6)])
    assert pages(s) == [[0], [2], [4], [6]]
    assert s.parts[0].receipt and s.parts[0].dossier == CODE
    assert [p.dossier for p in s.parts] == [CODE, CODE, CODE, None]  # END ends the dossier
    assert (1, "blank") in s.dropped


def test_a_receipt_code_inside_a_url_or_code128_text_is_found():
    assert receipt_code((f"https://dichvucong.ninhbinh.gov.vn/tra-cuu?ma={CODE}",))[0] == CODE


def test_receipt_printed_without_code_is_recognised_by_its_text():
    s = split_stack([sig(0, text=CODE), sig(1), sig(2, DOC), sig(3)])
    assert s.parts[0].receipt and [p.dossier for p in s.parts] == [CODE, CODE, CODE]


def test_dossier_sheet_applies_to_what_follows():
    s = split_stack([sig(0, f"SOHOA-SEP/1 DOSSIER {CODE}"), sig(1), sig(2, DOC), sig(3), sig(4, OTHER), sig(5)])
    assert [p.dossier for p in s.parts] == [CODE, CODE, OTHER, OTHER]


def test_blank_backs_dropped_or_kept():
    signals = [sig(0), sig(1, blank=True), sig(2), sig(3, blank=True)]
    assert pages(split_stack(signals)) == [[0, 2]]
    assert pages(split_stack(signals, SplitRules(drop_blank=False))) == [[0, 1, 2, 3]]


def test_runs_of_blank_pages_separate_when_configured():
    signals = [sig(0), sig(1, blank=True), sig(2), sig(3, blank=True), sig(4, blank=True), sig(5, blank=True), sig(6)]
    assert pages(split_stack(signals)) == [[0, 2, 6]]
    s = split_stack(signals, SplitRules(blank_run=3))
    assert pages(s) == [[0, 2], [6]] and s.parts[1].started_by == "blank_run"
    assert {d for d, why in s.dropped if why == "blank_run"} == {3, 4, 5}


def test_invalid_receipt_code_is_never_a_silent_merge():
    bad = "000.00.16.H42-231345-0003"  # month 13
    s = split_stack([sig(0, CODE), sig(1), sig(2, bad), sig(3), sig(4, DOC), sig(5)])
    assert pages(s) == [[0], [1], [2], [3], [5]]  # the bad receipt is a document of its own, as a good one is
    assert s.parts[2].dossier is None and s.parts[2].notes  # not put in the earlier dossier
    assert all(p.dossier is None and p.notes for p in s.parts[3:])  # nor what follows
    assert "trang 3" in s.parts[2].notes[0][1]
    s = split_stack([sig(0), sig(1, text=""), sig(2)])  # a receipt's title read, its code not
    assert pages(s) == [[0], [1], [2]] and s.parts[1].notes and s.parts[2].notes


def test_unknown_separator_instruction_starts_a_document_flagged_for_review():
    s = split_stack([sig(0), sig(1, "SOHOA-SEP/1 STAPLE"), sig(2)])
    assert pages(s) == [[0], [1, 2]] and s.parts[1].notes and not s.parts[0].notes
    s = split_stack([sig(0), sig(1, "SOHOA-SEP/1 DOC TYPE=NOPE"), sig(2)], known_type=lambda c: c == "GKS")
    assert s.parts[1].notes and "NOPE" in s.parts[1].notes[0][0]


def test_unreadable_code_flags_the_document_it_falls_in():
    s = split_stack([sig(0), sig(1, unreadable=("QRCode: checksum",)), sig(2)])
    assert pages(s) == [[0, 1, 2]] and "could not be read" in s.parts[0].notes[0][0]


def test_other_codes_on_papers_are_ignored():
    s = split_stack([sig(0, "https://example.vn/verify/123"), sig(1)])  # the QR code of an ID card, say
    assert pages(s) == [[0, 1]] and not s.parts[0].notes


def test_a_stack_of_blank_pages_is_one_document_and_separators_only_is_none():
    assert pages(split_stack([sig(0, blank=True), sig(1, blank=True)])) == [[0, 1]]
    assert split_stack([sig(0, DOC), sig(1, END)]).parts == []


kinds = st.sampled_from(["page", "blank", "doc", "end", "receipt", "bad", "unreadable"])


@given(st.lists(kinds, max_size=40), st.integers(0, 4), st.booleans())
def test_every_page_is_in_one_document_or_dropped_with_a_reason(seq, blank_run, drop_blank):
    signals = []
    for n, k in enumerate(seq):
        signals.append(
            {
                "page": sig(n),
                "blank": sig(n, blank=True),
                "doc": sig(n, DOC),
                "end": sig(n, END),
                "receipt": sig(n, CODE),
                "bad": sig(n, "000.00.16.H42-239999-0001"),
                "unreadable": sig(n, unreadable=("QRCode: format",)),
            }[k]
        )
    s = split_stack(signals, SplitRules(drop_blank=drop_blank, blank_run=blank_run))
    placed = [n for p in s.parts for n in p.pages] + [n for n, _ in s.dropped]
    assert sorted(placed) == list(range(len(seq)))  # nothing lost, nothing twice
    assert all(p.pages == sorted(p.pages) and p.pages for p in s.parts)
    for n, k in enumerate(seq):
        if k in ("page", "receipt", "bad", "unreadable"):
            assert any(n in p.pages for p in s.parts)  # content is never dropped


def test_a_code_showing_through_to_the_back_of_its_sheet_is_no_second_document():
    faint = PageSignal(1, False, (CODE,), faint=True)  # the receipt's back: blank but for its code, mirrored
    sheet_back = PageSignal(4, False, (DOC,), faint=True)
    s = split_stack([sig(0, CODE), faint, sig(2), sig(3, DOC), sheet_back, sig(5)])
    assert pages(s) == [[0], [2], [5]]
    assert (1, "blank") in s.dropped and (4, "blank") in s.dropped
    # a faint page with a code of its own is not a back: a receipt printed pale still starts its dossier
    s = split_stack([sig(0, CODE), sig(1), PageSignal(2, False, (OTHER,), faint=True), sig(3)])
    assert pages(s) == [[0], [1], [2], [3]] and s.parts[2].dossier == OTHER
