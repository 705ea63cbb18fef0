"""The label vocabulary every type shares (``catalog/data/labels.toml``): roles with the suffixes and headings that
say whose value a label gives, the generic labels per field, and the labels of values no field is read from.

The labels a type prints for its own fields are in the catalogue (``types.toml``); see ``catalog.pairing`` for how
labels are found on a page and paired with their values.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from catalog.errors import CatalogueDataError

DATA_DIR = Path(__file__).parent / "data"


class Role(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name_vi: str
    name_en: str
    suffixes: tuple[str, ...] = ()
    """Words printed right after a field's label naming whose value it is ("người chồng")."""
    headings: tuple[str, ...] = ()
    """Section titles or table column heads naming whose block or column follows ("Thông tin người vợ", "Vợ")."""


class Vocabulary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    roles: dict[str, Role] = Field(min_length=1)
    generic: dict[str, tuple[str, ...]] = {}
    """Labels per field, used when a type lists none for that field."""
    delimiters: dict[str, tuple[str, ...]] = {}
    """``labels``: labels of values no field is read from; they only end or empty the value before them."""
    honorifics: dict[str, tuple[str, ...]] = {}
    """``words``: "Ông", "Bà" … standing for a name's label."""
    organisations: dict[str, tuple[str, ...]] = {}
    """``legal_forms``: how business names start ("Công ty cổ phần"), spelled as the registers spell them."""

    @property
    def delimiter_labels(self) -> tuple[str, ...]:
        return self.delimiters.get("labels", ())

    @property
    def honorific_words(self) -> tuple[str, ...]:
        return self.honorifics.get("words", ())

    @property
    def legal_forms(self) -> tuple[str, ...]:
        return self.organisations.get("legal_forms", ())


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    path = path or DATA_DIR / "labels.toml"
    try:
        return Vocabulary.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}" for err in e.errors())
        raise CatalogueDataError(
            f"label vocabulary {path} is invalid: {problems}", f"từ vựng nhãn {path} không hợp lệ: {problems}"
        ) from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CatalogueDataError(
            f"label vocabulary {path} cannot be read: {e}", f"không đọc được từ vựng nhãn {path}: {e}"
        ) from e


@functools.cache
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()
