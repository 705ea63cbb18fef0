"""The document-type catalogue, loaded from ``catalog/data/types.toml`` and validated at start."""

from __future__ import annotations

import functools
import re
import tomllib
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from catalog.errors import CatalogueDataError
from catalog.labels import default_vocabulary
from ocr.text import fold

DATA_DIR = Path(__file__).parent / "data"  # also in catalog.labels, which must not import this module
RESULT_CODE_RE = re.compile(r"^KQ\.[GH]\d{2}\.\d{6}$")
FIELD_KEYS = (
    "id_number",
    "enterprise_code",
    "full_name",
    "date_of_birth",
    "issue_date",
    "valid_until",
    "issuer",
    "place",
    "dossier_code",
)
PERSON_FIELDS = ("id_number", "full_name", "date_of_birth", "place")
"""Fields that belong to one of the people a paper names (read once per owner role); the others are the paper's."""


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
    procedures: tuple[Annotated[str, Field(pattern=r"^[123]\.\d{6}$")], ...] = ()
    kind: Literal["result", "component"] = "result"
    labels: dict[str, tuple[Annotated[str, Field(min_length=2)], ...]] = {}
    """Per field, the printed labels its value follows, most specific first."""
    forms: tuple[str, ...] = ()
    """The official forms (current and previous) the labels come from."""
    roles: tuple[str, ...] = ("person",)
    """Whose data the paper prints (``catalog/data/labels.toml`` ``[roles]``); the first is the role of a label
    without a role suffix or heading."""
    owner_roles: tuple[str, ...] = ()
    """The roles that own the paper (default: the first role); the first is the primary owner, whose fields
    keep their plain keys (``full_name``), the others' are ``<role>.<field>`` (``wife.full_name``)."""
    optional_roles: tuple[str, ...] = ()
    """Owner roles a paper may not print at all (a land-use certificate with one holder): their absence is no
    reason for review, but a name printed without an ID is."""
    owner_required: bool = True
    """False for a paper filed by its dossier, not by an owner (the dossier's reception receipt): an owner it
    does not identify is no reason for review (the document is archived under its dossier)."""
    parties_in_order: bool = False
    """The owners are listed one after another without a word saying who is who (land holders)."""

    @model_validator(mode="after")
    def _fields_known(self) -> DocumentType:
        unknown = set(self.fields) - set(FIELD_KEYS)
        if unknown:
            raise ValueError(f"unknown field keys {sorted(unknown)} (known: {', '.join(FIELD_KEYS)})")
        if self.owner_field not in self.fields:
            raise ValueError(f"owner_field {self.owner_field!r} must be one of fields")
        stray = set(self.labels) - set(self.fields)
        if stray:
            raise ValueError(f"labels given for fields the type does not carry: {sorted(stray)}")
        if not RESULT_CODE_RE.match(self.result_code):
            raise ValueError(f"result_code {self.result_code!r} is not of the form KQ.G15.000031")
        if not re.match(r"^[A-Z0-9]+(-[A-Z0-9]+)*$", self.notation):
            raise ValueError(f"notation {self.notation!r} must be capitals and digits joined by '-'")
        unknown_roles = set(self.roles) - set(default_vocabulary().roles)
        if unknown_roles:
            raise ValueError(f"unknown roles {sorted(unknown_roles)} (see catalog/data/labels.toml)")
        if not self.roles:
            raise ValueError("roles must name at least one role")
        stray_owners = set(self.owner_roles) - set(self.roles)
        if stray_owners:
            raise ValueError(f"owner_roles {sorted(stray_owners)} are not among the type's roles")
        if set(self.optional_roles) - set(self.owners[1:]):
            raise ValueError("optional_roles must be owner roles other than the first")
        if len(set(self.roles)) != len(self.roles) or len(set(self.owner_roles)) != len(self.owner_roles):
            raise ValueError("roles and owner_roles must not repeat a role")
        return self

    @property
    def owners(self) -> tuple[str, ...]:
        """The roles that own the paper, the primary owner first."""
        return self.owner_roles or self.roles[:1]

    @property
    def primary_role(self) -> str:
        return self.owners[0]

    def field_key(self, role: str, field: str) -> str:
        """The key a role's field is stored under: plain for the primary owner, ``<role>.<field>`` otherwise."""
        return field if role == self.primary_role else f"{role}.{field}"

    def owner_fields(self) -> tuple[str, ...]:
        """Every key of this type's fields, the other owners' role-qualified ones included."""
        keys = list(self.fields)
        for role in self.owners[1:]:
            keys += [f"{role}.{f}" for f in self.fields if f in PERSON_FIELDS or f == self.owner_field]
        return tuple(keys)

    def folded_labels(self, field: str) -> tuple[str, ...]:
        """This type's labels for ``field`` in the unaccented lower-case form used for matching."""
        return tuple(fold(label) for label in self.labels.get(field, ()))

    @property
    def retention_years(self) -> int | None:
        return None if self.retention == "permanent" else int(self.retention)


class DocumentTypes(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    types: tuple[DocumentType, ...] = Field(alias="type")

    @model_validator(mode="after")
    def _unique(self) -> DocumentTypes:
        codes = [t.code for t in self.types]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValueError(f"duplicate type codes {sorted(dupes)}")
        return self

    def get(self, code: str) -> DocumentType | None:
        return self._by_code.get(code)

    @cached_property
    def _by_code(self) -> dict[str, DocumentType]:
        return {t.code: t for t in self.types}

    @cached_property
    def _by_procedure(self) -> dict[str, tuple[DocumentType, ...]]:
        """Each procedure's papers, in catalogue order (the catalogue is frozen: built once, on first use; every
        reuse check asks it)."""
        out: dict[str, list[DocumentType]] = {}
        for t in self.types:
            for p in dict.fromkeys(t.procedures):
                out.setdefault(p, []).append(t)
        return {p: tuple(ts) for p, ts in out.items()}

    def required_for(self, procedure: str) -> tuple[DocumentType, ...]:
        return self._by_procedure.get(procedure, ())


def load_document_types(path: Path | None = None) -> DocumentTypes:
    path = path or DATA_DIR / "types.toml"
    """Read and validate the catalogue; every problem is named with the type code it belongs to."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return DocumentTypes.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(_describe(err, data) for err in e.errors())
        raise CatalogueDataError(
            f"document-type catalogue {path} is invalid: {problems}",
            f"danh mục loại giấy tờ {path} không hợp lệ: {problems}",
        ) from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CatalogueDataError(
            f"document-type catalogue {path} cannot be read: {e}",
            f"không đọc được danh mục loại giấy tờ {path}: {e}",
        ) from e


def _describe(err: dict, data: dict) -> str:
    """``type GKS (#1) field 'fields': unknown field keys …`` rather than pydantic's raw location."""
    loc = list(err.get("loc", ()))
    where = ".".join(str(x) for x in loc)
    if len(loc) >= 2 and loc[0] == "type" and isinstance(loc[1], int):
        types = data.get("type") or []
        code = types[loc[1]].get("code", "?") if loc[1] < len(types) and isinstance(types[loc[1]], dict) else "?"
        rest = ".".join(str(x) for x in loc[2:]) or "(the type)"
        where = f"type {code} (#{loc[1] + 1}) {rest}"
    return f"{where}: {err.get('msg', '')}"


@functools.cache
def default_document_types() -> DocumentTypes:
    return load_document_types()
