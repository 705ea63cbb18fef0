"""The people (or business) a paper belongs to, with their roles, and how each was identified.

A marriage certificate belongs to both spouses, a land-use certificate to every holder: the type says which roles
own the paper (``owner_roles`` in ``catalog/data/types.toml``). Each owner is identified by the ID number the
paper prints for that role or, on papers that print none (older diplomas, certificates issued before personal
ID numbers), by name, date of birth and place among the owners the warehouse already knows
(:class:`OwnerDirectory`); the table that keeps them is ``catalog.paper_owners``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ocr.text import fold

PRINTED = "printed"
"""The paper prints the owner's ID number (or the manifest names the owner)."""
MATCHED = "matched"
"""No ID on the paper: the one known owner with the name and date of birth read (and the place, when known)."""
CLERK = "clerk"
"""Set or confirmed by a clerk in the review queue."""
DECLARED = "declared"
"""Named by the batch manifest."""


@dataclass(frozen=True, slots=True)
class PaperOwner:
    role: str
    owner_id: str
    how: str = PRINTED
    name: str | None = None
    date_of_birth: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class KnownOwner:
    owner_id: str
    name: str | None
    date_of_birth: str | None
    places: tuple[str, ...] = ()


class OwnerDirectory(Protocol):
    """The owners already known (``catalog.paper_owners.CatalogDirectory`` over the catalog)."""

    def candidates(self, name: str, date_of_birth: str) -> Sequence[KnownOwner]:
        """Known owners with this name (compared without case) and date of birth (ISO)."""
        ...


def name_key(name: str) -> str:
    """How names are compared: folded case, single spaces, diacritics kept (Đỗ is not Đồ)."""
    return " ".join(name.lower().split())


class MemoryDirectory:
    """Known owners held in memory (tests, the benchmark, a clerk's offline list)."""

    def __init__(self, known: Iterable[KnownOwner]) -> None:
        self._by: dict[tuple[str, str], list[KnownOwner]] = {}
        for k in known:
            if k.name and k.date_of_birth:
                self._by.setdefault((name_key(k.name), k.date_of_birth), []).append(k)

    def candidates(self, name: str, date_of_birth: str) -> Sequence[KnownOwner]:
        return self._by.get((name_key(name), date_of_birth), [])


def choose(candidates: Sequence[KnownOwner], place: str | None) -> tuple[str | None, int]:
    """(the owner, how many fit): the only candidate, or the only one with a known place in the same commune as
    the paper's place; None with the count when none or several fit."""
    ids = list(dict.fromkeys(c.owner_id for c in candidates))
    if len(ids) <= 1 or not place:
        return (ids[0] if len(ids) == 1 else None), len(ids)
    key = place_key(place)
    fitting = list(dict.fromkeys(c.owner_id for c in candidates if key and any(place_key(p) == key for p in c.places)))
    return (fitting[0] if len(fitting) == 1 else None), (len(fitting) or len(ids))


_PLACE_NOISE = frozenset({"xa", "phuong", "thi", "tran", "huyen", "quan", "thanh", "pho", "tinh", "thon", "so"})


def place_key(place: str) -> tuple[str, ...]:
    """The commune (first part) of a place, folded, without its kind: "Xã Ninh Hải, huyện Hoa Lư" → (ninh, hai)."""
    first = fold(place).split(",")[0]
    return tuple(w for w in first.replace(".", " ").split() if w not in _PLACE_NOISE)
