"""The document-type catalogue, loaded from ``catalog/data/types.toml`` and validated at start."""

from __future__ import annotations

import functools
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from catalog.errors import CatalogueDataError

DATA_DIR = Path(__file__).parent / "data"
FIELD_KEYS = ("id_number", "enterprise_code", "full_name", "date_of_birth", "issue_date", "valid_until", "issuer")


class Validity(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["permanent", "years", "months", "printed"]
    n: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _needs_n(self) -> Validity:
        if self.kind in ("years", "months") and self.n is None:
            raise ValueError(f"validity kind {self.kind!r} needs n")
        return self

    def valid_until(self, issued: date | None, printed: date | None) -> date | None:
        """End of validity: the printed date, or computed from the issue date; None = no end."""
        if self.kind == "printed":
            return printed
        if self.kind == "permanent" or issued is None:
            return printed
        months = self.n * (12 if self.kind == "years" else 1)  # type: ignore[operator]
        y, m = divmod(issued.month - 1 + months, 12)
        year, month = issued.year + y, m + 1
        day = issued.day
        while True:
            try:
                return date(year, month, day)
            except ValueError:
                day -= 1


class DocumentType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    name_vi: str
    name_en: str
    titles: tuple[str, ...] = Field(min_length=1)
    keywords: tuple[str, ...] = ()
    owner_field: Literal["id_number", "enterprise_code"]
    fields: tuple[str, ...]
    validity: Validity
    retention: int | Literal["permanent"]
    result_code: str
    notation: str
    procedures: tuple[str, ...] = ()
    kind: Literal["result", "component"] = "result"

    @model_validator(mode="after")
    def _fields_known(self) -> DocumentType:
        unknown = set(self.fields) - set(FIELD_KEYS)
        if unknown:
            raise ValueError(f"unknown field keys {sorted(unknown)}")
        if self.owner_field not in self.fields:
            raise ValueError("owner_field must be one of fields")
        return self

    @property
    def retention_years(self) -> int | None:
        return None if self.retention == "permanent" else int(self.retention)


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    types: tuple[DocumentType, ...] = Field(alias="type")

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        codes = [t.code for t in self.types]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValueError(f"duplicate type codes {sorted(dupes)}")
        return self

    def get(self, code: str) -> DocumentType | None:
        return self._by_code().get(code)

    def _by_code(self) -> dict[str, DocumentType]:
        return {t.code: t for t in self.types}

    def required_for(self, procedure: str) -> tuple[DocumentType, ...]:
        return tuple(t for t in self.types if procedure in t.procedures)


def load_catalogue(path: Path | None = None) -> Catalogue:
    path = path or DATA_DIR / "types.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Catalogue.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as e:
        raise CatalogueDataError(
            f"document-type catalogue {path} is invalid: {e}",
            f"danh mục loại giấy tờ {path} không hợp lệ: {e}",
        ) from e


@functools.cache
def default_catalogue() -> Catalogue:
    return load_catalogue()
