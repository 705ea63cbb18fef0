"""One decision over a document's text: its type, its fields, its owner, and why a clerk must look.

The batch stage (``pipeline.stages.classify_and_extract``), the review queue (re-reading after a type
correction) and the benchmark (``scripts/bench_classify.py``) all call ``assess`` so that what is
measured is exactly what runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from catalog.classify import classify
from catalog.codes import is_enterprise_code, is_personal_id
from catalog.config import CatalogConfig
from catalog.fields import EMPTY, ORG_ACRONYMS, FieldValue, WordConfidence, extract_fields, printed_no_expiry
from catalog.names import is_name_syllable, is_syllable, norm_token, same_token, strip_token
from catalog.parties import DECLARED, MATCHED, PRINTED, OwnerDirectory, PaperOwner, choose
from catalog.types import PERSON_FIELDS, DocumentType, DocumentTypes
from ocr.text import Word, unaccent

REVIEWED_FIELDS = ("id_number", "enterprise_code", "full_name", "date_of_birth", "issue_date", "valid_until")
"""Fields whose doubt sends a document to review, for every owner (the issuer and places are informative only)."""


def base_key(key: str) -> str:
    """``wife.full_name`` → ``full_name``."""
    return key.rsplit(".", 1)[-1]


def _reviewed(fields: dict[str, FieldValue]) -> list[str]:
    """The keys of ``fields`` whose doubt sends a document to review, primary owner's first."""
    return sorted((k for k in fields if base_key(k) in REVIEWED_FIELDS), key=lambda k: ("." in k, k))


@dataclass(frozen=True, slots=True)
class Assessment:
    type_code: str | None
    type_name: str | None
    type_confidence: float
    candidates: tuple[tuple[str, float], ...]
    """The top three types with their confidences, best first."""
    fields: dict[str, FieldValue] = field(default_factory=dict)
    owner_id: str | None = None
    owners: tuple[PaperOwner, ...] = ()
    """Everyone the paper belongs to, with their role (the primary owner, ``owner_id``, first when known)."""
    review: tuple[str, ...] = ()
    """Reasons a clerk must confirm the document; empty = it may be reused as read."""
    second_read: tuple[str, ...] = ()
    """Fields whose OCR doubt a second read of their words lifted (both reads agree)."""


class Reread(Protocol):
    """A second read of a document's words (``ocr.reread.Rereader``)."""

    def __call__(self, positions: Sequence[int]) -> Sequence[Word]:
        """The words at these positions of ``words`` read again, on their own (nothing when it cannot)."""
        ...

    def prefetch(self, spans: Sequence[Sequence[int]]) -> None:
        """Start reading these spans ahead, all at once (a reader that cannot needs nothing here)."""
        return None


def assess(
    text: str,
    doc_types: DocumentTypes,
    cfg: CatalogConfig,
    *,
    words: Sequence[Word] | None = None,
    ocr_confidence: float | None = None,
    declared_type: str | None = None,
    declared_owner: str | None = None,
    today: date | None = None,
    reread: Reread | None = None,
    directory: OwnerDirectory | None = None,
) -> Assessment:
    """Type, fields, owner and review reasons of a document's text.

    With ``reread``, a key field that only OCR doubt (a low word confidence) would send to review has its
    words read a second time on their own; when the second read spells the same words, each clearly
    (``second_read_min_conf``), their confidence is raised to the second read's and the decision is made
    again. Values are never changed by the second read, and a disagreement leaves the doubt in place.
    The fields of ``verify_fields`` are read a second time even when nothing doubts them; a second read that
    spells something else sends the document to review.

    With ``directory``, an owner whose paper prints no ID number is looked up by name and date of birth (and
    place) among the known owners: found when exactly one fits, confirmed in review otherwise.
    """
    once = functools.partial(
        _assess_once,
        text,
        doc_types,
        cfg,
        ocr_confidence=ocr_confidence,
        declared_type=declared_type,
        declared_owner=declared_owner,
        today=today,
        directory=directory,
    )
    first = once(words=words)
    if reread is None or not words or not cfg.second_read:
        return first
    index = WordConfidence(words)  # every line this decision may read again, in one go
    keys = [k for k in _reviewed(first.fields) if _doubted_by_ocr(first.fields.get(k), cfg)] + [
        k for k in _verified(first.fields, cfg) if _verifiable(first.fields.get(k), cfg)
    ]
    spans = [span for k in dict.fromkeys(keys) if (span := index.span(first.fields[k].source or ""))]
    names = [
        k for k in _verified(first.fields, cfg) if base_key(k) == "full_name" and _verifiable(first.fields[k], cfg)
    ]
    spans += [line for k in names if (line := whole_line(index.span(first.fields[k].source or ""), words))]
    reread.prefetch(spans)
    t = doc_types.get(first.type_code) if first.type_code else None
    business = t is not None and t.owner_field == "enterprise_code"
    return _verify(_lift_doubts(first, once, cfg, words, reread), cfg, words, reread, business)


def _lift_doubts(
    first: Assessment, once: Callable[..., Assessment], cfg: CatalogConfig, words, reread: Reread
) -> Assessment:
    """``first`` decided again (``once``, the single pass with this document's inputs) after the doubted key
    fields whose second read agrees have had their word confidences raised."""
    if not first.review:
        return first
    current = list(words)
    confirmed: list[str] = []
    for key in _reviewed(first.fields):
        fv = first.fields.get(key)
        if fv is None or not _doubted_by_ocr(fv, cfg):
            continue
        if _read_again(fv, base_key(key), current, reread, cfg.second_read_min_conf):
            confirmed.append(key)
    if not confirmed:
        return first
    second = once(words=current)
    fields = {k: replace(v, second_read=True) if k in confirmed else v for k, v in second.fields.items()}
    return replace(second, fields=fields, second_read=tuple(confirmed))


def _verify(
    a: Assessment, cfg: CatalogConfig, words: Sequence[Word], reread: Reread, business: bool = False
) -> Assessment:
    """Read the fields of ``verify_fields`` that nothing doubts a second time; where the second read spells
    something else (a tone mark read two ways, a digit), a person decides.

    Tesseract can be wrong with confidence ("YÊN" for "YẾN"), and a wrong name or ID number that reaches the
    warehouse unflagged is the costliest error; a read of the line on its own often differs exactly there.
    """
    fields, review = dict(a.fields), list(a.review)
    index = WordConfidence(words)
    for key in _verified(fields, cfg):
        fv = fields.get(key)
        if fv is None or not _verifiable(fv, cfg):
            continue
        span = index.span(fv.source)
        if not span:
            continue
        readings = _readings(fv, base_key(key), [words[i].text for i in span])
        plausible = None
        if (
            base_key(key) == "full_name"
        ):  # a word that could stand in the name: a name syllable, or any word of a firm's
            plausible = _business_word if business else is_name_syllable
        # a name is also read with its whole line: Tesseract alone on the name's words can repeat the first
        # read's slip ("QUYỀN" for "QUYÊN", a word of the certificate's title) where the line in context does not
        agains = [reread(span)] + (
            [reread(line)] if base_key(key) == "full_name" and (line := whole_line(span, words)) else []
        )
        if not any(again and all(contradicts(r, again, plausible) for r in readings) for again in agains):
            continue  # the same words, or nothing comparable (a clipped letter, a stray mark): no news
        fields[key] = replace(fv, confidence=min(fv.confidence, 0.5), problem="second_read_disagrees")
        review.append(f"field_uncertain: {key} (second_read_disagrees)")
        if any(o.owner_id == fv.value for o in a.owners) or (a.owner_id is not None and a.owner_id == fv.value):
            review.append(f"owner_uncertain: {key}")
    if len(review) == len(a.review):
        return a
    return replace(a, fields=fields, review=tuple(dict.fromkeys(review)))


def whole_line(span: Sequence[int], words: Sequence[Word]) -> list[int]:
    """The positions of the whole OCR line the words at ``span`` stand on (same block and line, in order; a line
    that holds nothing else gives []): what a name is read again with."""
    if (
        not span
        or not words[span[0]].line
        or any((words[i].block, words[i].line) != (words[span[0]].block, words[span[0]].line) for i in span)
    ):
        return []
    key = (words[span[0]].block, words[span[0]].line)
    lo, hi = span[0], span[-1]
    while lo > 0 and (words[lo - 1].block, words[lo - 1].line) == key:
        lo -= 1
    while hi + 1 < len(words) and (words[hi + 1].block, words[hi + 1].line) == key:
        hi += 1
    line = list(range(lo, hi + 1))
    return line if len(line) > len(span) else []


def _verified(fields: dict[str, FieldValue], cfg: CatalogConfig) -> list[str]:
    """The keys of ``verify_fields`` for every owner (``full_name``, ``wife.full_name`` …)."""
    return [k for k in fields if base_key(k) in cfg.verify_fields]


def _business_word(word: str, position: int) -> bool:
    """A word a business name may hold: a Vietnamese syllable or a known acronym (TNHH, MTV …)."""
    return is_syllable(word) or strip_token(word).upper() in ORG_ACRONYMS


def _doubted_by_ocr(fv: FieldValue | None, cfg: CatalogConfig) -> bool:
    """Only its OCR word confidence sends the value to review (a validator's doubt is not a reading
    problem: a second read cannot lift it)."""
    return (
        fv is not None
        and fv.source is not None
        and fv.confidence < cfg.review_threshold
        and (fv.problem or "").startswith("ocr_word_confidence")
    )


def _verifiable(fv: FieldValue | None, cfg: CatalogConfig) -> bool:
    """A value nothing doubts (and no second read confirmed yet): a verification read may still refute it."""
    return (
        fv is not None
        and bool(fv.value)
        and fv.source is not None
        and not fv.second_read
        and fv.confidence >= cfg.review_threshold
    )


def _read_again(fv: FieldValue, key: str, words: list[Word], reread: Reread, min_conf: float) -> bool:
    """Read the words of a doubtful value again; raise their confidence in ``words`` where the second read
    agrees. The value may stand in several places (it is judged by its least sure one): each doubtful place
    is read in turn. True when no doubtful place is left."""
    assert fv.source is not None
    for _ in range(3):
        span = WordConfidence(words).span(fv.source)
        if not span:
            return False
        if min(words[i].conf for i in span) >= min_conf:
            return True
        readings = _readings(fv, key, [words[i].text for i in span])
        again = reread(span)
        confs = next((c for r in readings if (c := agreeing_confidences(r, again)) is not None), None)
        if confs is None or min(confs) < min_conf:
            return False
        for i, conf in zip(span, confs, strict=True):
            words[i] = replace(words[i], conf=max(words[i].conf, conf))
    return False


def _readings(fv: FieldValue, key: str, read: list[str]) -> list[list[str]]:
    """The spellings a second read is compared with: the words read and, for a name, the value kept — its
    family name may have been repaired ("NGUYÊN" read, "Nguyễn" kept)."""
    if key == "full_name" and len(fv.value.split()) == len(read):
        return [read, fv.value.split()]
    return [read]


CONTRADICTION_MIN_CONF = 50.0
"""A second read's differing word counts only when Tesseract gave it at least this confidence (0-100)."""


def contradicts(
    first: Sequence[str], second: Sequence[Word], plausible: Callable[[str, int], bool] | None = None
) -> bool:
    """The second read spells the same words with other diacritics, or the same number with other digits,
    with some confidence and (for names, ``plausible(word, position)``) as a word that could stand there.

    Only such a reading says something about the first: a second read whose letters differ ("7ÔNG" for
    "CÔNG", a stem cut off), that is unsure, or that spells no name ("NGUYÊN" for "NGUYỄN") is noise.
    """
    n = len(first)
    for i in range(len(second) - n + 1):
        pairs = [(first[j], second[i + j]) for j in range(n)]
        if all(same_token(a, b.text) for a, b in pairs):
            return False
        if all(_comparable(a, b.text) for a, b in pairs):
            differing = [(j, b) for j, (a, b) in enumerate(pairs) if not same_token(a, b.text)]
            return all(
                b.conf >= CONTRADICTION_MIN_CONF and (plausible is None or plausible(b.text, j)) for j, b in differing
            )
    return False


def _comparable(a: str, b: str) -> bool:
    x, y = norm_token(a), norm_token(b)
    if x.isdigit() or y.isdigit():
        return x.isdigit() and y.isdigit() and len(x) == len(y)
    return bool(x) and unaccent(x) == unaccent(y)


def agreeing_confidences(first: Sequence[str], second: Sequence[Word]) -> list[float] | None:
    """Confidences of the second read's words where they spell the words ``first``, in order (the line cut
    out may also hold a neighbour's word or a stray mark); None when ``first`` is not found."""
    n = len(first)
    for i in range(len(second) - n + 1):
        if all(same_token(first[j], second[i + j].text) for j in range(n)):
            return [second[i + j].conf for j in range(n)]
    return None


def _assess_once(
    text: str,
    doc_types: DocumentTypes,
    cfg: CatalogConfig,
    *,
    words: Sequence[Word] | None = None,
    ocr_confidence: float | None = None,
    declared_type: str | None = None,
    declared_owner: str | None = None,
    today: date | None = None,
    directory: OwnerDirectory | None = None,
) -> Assessment:
    result = classify(text, doc_types)
    review: list[str] = []
    type_code, type_name, type_conf = result.type_code, result.type_name, result.confidence
    if declared_type:
        t = doc_types.get(declared_type)
        if type_code and type_code != declared_type and type_conf >= 0.9:
            review.append(f"type_mismatch: declared {declared_type}, reads as {type_code}")
        type_code, type_name, type_conf = declared_type, t.name_vi if t else None, 1.0
    elif type_code is None or type_conf < cfg.review_threshold:
        review.append("type_uncertain")
    doc_type = doc_types.get(type_code) if type_code else None
    fields = extract_fields(text, doc_type, words, today)

    owners = _owners(fields, doc_type, cfg, declared_owner, directory, review)
    primary_role = doc_type.primary_role if doc_type else None
    owner = next((o.owner_id for o in owners if o.role == primary_role), None) if owners else None
    if doc_type is None and owners:
        owner = owners[0].owner_id
    for key in _reviewed(fields):
        if declared_owner is not None and key in ("id_number", "enterprise_code"):
            continue
        if doc_type is not None and not doc_type.owner_required and base_key(key) in PERSON_FIELDS:
            continue  # filed by its dossier: whom it names is informative, not what the paper is kept by
        fv = fields[key]
        if fv.problem == EMPTY:
            continue
        if fv.confidence < cfg.review_threshold:
            review.append(f"field_uncertain: {key}" + (f" ({fv.problem})" if fv.problem else ""))
    if doc_type is not None:
        for role in doc_type.owners if doc_type.owner_required else ():
            key = doc_type.field_key(role, "full_name")
            if role in doc_type.optional_roles and not _printed(fields, doc_type, role):
                continue
            if "full_name" in doc_type.fields and not (fields.get(key) and fields[key].value):
                review.append(f"field_missing: {key}" if key not in fields else f"field_empty: {key}")
        limited = doc_type.validity.kind != "permanent"
        has_end = "valid_until" in fields and bool(fields["valid_until"].value)
        if limited and not has_end and not printed_no_expiry(text, doc_type, words):
            # neither printed nor computable (no issue date read): reused, it could be long expired
            review.append("field_missing: valid_until")
    if ocr_confidence is not None and ocr_confidence < cfg.ocr_review_threshold:
        review.append("ocr_low_confidence")
    return Assessment(
        type_code=type_code,
        type_name=type_name,
        type_confidence=round(type_conf, 4),
        candidates=tuple((c.code, c.confidence) for c in result.candidates),
        fields=fields,
        owner_id=owner,
        owners=tuple(owners),
        review=tuple(dict.fromkeys(review)),
    )


def _printed(fields: dict[str, FieldValue], doc_type: DocumentType, role: str) -> bool:
    """The paper prints something of this role (its name or its ID)."""
    return any(fields.get(doc_type.field_key(role, k)) for k in ("full_name", doc_type.owner_field))


def _value(fields: dict[str, FieldValue], key: str, cfg: CatalogConfig) -> str | None:
    """A field's value when it is read and sure enough to identify someone by."""
    fv = fields.get(key)
    if fv is None or not fv.value or fv.confidence < cfg.review_threshold:
        return None
    return fv.value


def _owners(
    fields: dict[str, FieldValue],
    doc_type: DocumentType | None,
    cfg: CatalogConfig,
    declared_owner: str | None,
    directory: OwnerDirectory | None,
    review: list[str],
) -> list[PaperOwner]:
    """Who the paper belongs to, role by role; what is missing or doubtful goes to ``review``.

    The owner ID of a role is the ID number (or enterprise code) printed for it, never a value a validator
    refused. A role whose paper prints no ID is looked up by name and date of birth among the known owners.
    """
    out: list[PaperOwner] = []
    if doc_type is None:
        if declared_owner is not None:
            return [PaperOwner("person", declared_owner, DECLARED)]
        for key in ("id_number", "enterprise_code"):
            fv = fields.get(key)
            if fv is None or not fv.value:
                continue
            valid = is_personal_id(fv.value) if key == "id_number" else is_enterprise_code(fv.value)
            if valid and not (fv.problem or "").startswith(VALIDATOR_PROBLEMS):
                if fv.confidence < cfg.review_threshold:
                    review.append(f"owner_uncertain: {key}")
                return [PaperOwner("person", fv.value)]
            review.append(f"owner_invalid: {key}" + (f" ({fv.problem})" if fv.problem else ""))
        if not any(r.startswith("owner_") for r in review):
            review.append("owner_missing")
        return out
    owner_field = doc_type.owner_field
    for role in doc_type.owners:
        primary = role == doc_type.primary_role
        key = doc_type.field_key(role, owner_field)
        fv = fields.get(key)
        details = {
            "name": _value(fields, doc_type.field_key(role, "full_name"), cfg),
            "date_of_birth": _value(fields, doc_type.field_key(role, "date_of_birth"), cfg),
            "place": (fields.get(doc_type.field_key(role, "place")) or FieldValue("", 0)).value or None,
        }
        if primary and declared_owner is not None:
            # the manifest names the owner: what the paper says only matters when it clearly says otherwise
            if fv is not None and fv.value and fv.confidence >= cfg.review_threshold and fv.value != declared_owner:
                review.append(f"owner_mismatch: declared {declared_owner[:3]}…, paper reads another {owner_field}")
            out.append(PaperOwner(role, declared_owner, DECLARED, **details))
            continue
        suffix = "" if primary else f": {role}"
        if role in doc_type.optional_roles and not _printed(fields, doc_type, role):
            continue  # the paper names no such person
        if fv is not None and fv.value:
            valid = is_personal_id(fv.value) if owner_field == "id_number" else is_enterprise_code(fv.value)
            if valid and not (fv.problem or "").startswith(VALIDATOR_PROBLEMS):
                if fv.confidence < cfg.review_threshold:
                    review.append(f"owner_uncertain: {key}")
                out.append(PaperOwner(role, fv.value, PRINTED, **details))
                continue
            review.append(f"owner_invalid: {key}" + (f" ({fv.problem})" if fv.problem else ""))
            continue
        found = None
        if owner_field == "id_number" and directory is not None and details["name"] and details["date_of_birth"]:
            candidates = directory.candidates(details["name"], details["date_of_birth"])
            found, n = choose(candidates, details["place"])
            if found is None and n > 1:
                review.append(f"owner_ambiguous{suffix} ({n} known owners have this name and date of birth)")
                continue
        if found is not None:
            out.append(PaperOwner(role, found, MATCHED, **details))
        elif doc_type.owner_required:
            review.append("owner_missing" + suffix)
    return out


VALIDATOR_PROBLEMS = ("invalid_id", "id_birth_year_mismatch", "id_sex_mismatch", "check_digit_wrong")
"""Problems that make an owner ID unusable (as opposed to doubt from OCR, which only asks for review)."""
