"""Classify OCR text into a document type from the catalogue.

Evidence: the printed title (compared over the unaccented, lower-case form with rapidfuzz, so OCR
errors and lost diacritics cost little) and the printed labels typical of the type. Scores become
probabilities with a softmax that includes a "none of these" class, so a page that looks like no type
gets a low confidence instead of the least bad type.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from rapidfuzz import fuzz

from catalog.types import DocumentType, DocumentTypes
from ocr.text import fold

TITLE_REGION_LINES = 30
SOFTMAX_SHARPNESS = 9.0
NONE_SCORE = 0.35


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    name_vi: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Classification:
    type_code: str | None
    type_name: str | None
    confidence: float
    candidates: tuple[Candidate, ...]
    """The top three types with their confidences, best first."""


def _title_score(title: str, lines: list[str]) -> float:
    t_tokens = title.split()
    best = 0.0
    for line in lines:
        tokens = line.split()
        if not tokens:
            continue
        n = len(t_tokens)
        for size in {max(1, n - 1), n, n + 1}:
            if size > len(tokens):
                windows = [" ".join(tokens)]
            else:
                windows = [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
            for w in windows:
                best = max(best, fuzz.ratio(title, w))
    return best


def _keyword_share(keywords: tuple[str, ...], folded_text: str) -> float:
    if not keywords:
        return 0.0
    hits = 0
    for kw in keywords:
        k = fold(kw)
        if k in folded_text or fuzz.partial_ratio(k, folded_text) >= 90:
            hits += 1
    return hits / len(keywords)


def score_type(t: DocumentType, title_lines: list[str], folded_text: str) -> float:
    ratio = max(_title_score(fold(title), title_lines) for title in t.titles)
    title = max(0.0, (ratio - 60.0) / 40.0) ** 2
    return 0.75 * title + 0.25 * _keyword_share(t.keywords, folded_text)


def classify(text: str, doc_types: DocumentTypes) -> Classification:
    folded = fold(text)
    lines = [line for line in folded.splitlines() if line.strip()]
    title_lines = lines[:TITLE_REGION_LINES]
    # a title may be printed over two lines ("GIẤY XÁC NHẬN" / "TÌNH TRẠNG HÔN NHÂN")
    title_lines += [a + " " + b for a, b in itertools.pairwise(title_lines)]
    scores = {t.code: score_type(t, title_lines, folded) for t in doc_types.types}
    exps = {code: math.exp(SOFTMAX_SHARPNESS * s) for code, s in scores.items()}
    z = sum(exps.values()) + math.exp(SOFTMAX_SHARPNESS * NONE_SCORE)
    ranked = sorted(scores, key=lambda c: scores[c], reverse=True)[:3]
    candidates = tuple(
        Candidate(code, doc_types.get(code).name_vi, round(exps[code] / z, 4))  # type: ignore[union-attr]
        for code in ranked
    )
    top = candidates[0] if candidates else None
    if top is None or scores[top.code] <= NONE_SCORE:
        return Classification(None, None, round(top.confidence if top else 0.0, 4), candidates)
    return Classification(top.code, top.name_vi, top.confidence, candidates)
