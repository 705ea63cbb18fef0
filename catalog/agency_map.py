"""The administrative map as data: the bundled structure of the new Ninh Bình province, and closing the
agencies of a level that ceased to exist (district-level bodies on 30 June 2025).

Agencies are never deleted: an old agency keeps its code and the documents it handled; it gets ``valid_to``
(and ``merged_into`` when its successor is known), so figures for a period use the map of that period and a
successor sees its predecessors' history (:mod:`catalog.kpi.scope`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from catalog.db import Catalog
from catalog.errors import CatalogueDataError
from catalog.kpi_db import list_agencies, upsert_agency
from catalog.types import DATA_DIR

BUNDLED = DATA_DIR / "agencies_ninh_binh.toml"


@dataclass(frozen=True, slots=True)
class MapResult:
    registered: list[str]
    closed: list[str]


def load_map(
    catalog: Catalog, path: Path | None = None, *, province_code: str | None = None, actor: str = "system"
) -> list[str]:
    """Register the agencies of a map file (the bundled one by default) that are not registered yet; the codes of
    the map's agencies. An agency already registered is kept as it is (its name and dates are the province's own
    data, which the bundled file must not overwrite)."""
    path = path or BUNDLED
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        province = province_code or str(data.get("province_code", "H42"))
        rows = list(data.get("agencies", []))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CatalogueDataError(f"map file {path} is invalid: {e}", f"tệp bản đồ hành chính {path} lỗi: {e}") from e
    done = []
    known = {a.code for a in list_agencies(catalog)}
    for r in rows:
        code = str(r["code"]).format(province=province)
        if code in known:
            done.append(code)
            continue
        dated = {
            k: r[k] for k in ("valid_from", "valid_to", "merged_into", "split_from", "remote", "rollout_from") if k in r
        }
        if dated.get("merged_into"):
            dated["merged_into"] = str(dated["merged_into"]).format(province=province)
        a = upsert_agency(
            catalog,
            code,
            name=str(r["name"]),
            level=str(r["level"]),
            org_type=str(r.get("org_type", "state")),
            parent=str(r["parent"]).format(province=province) if r.get("parent") else None,
            actor=actor,
            **dated,
        )
        done.append(a.code)
    return done


def close_ended_level(
    catalog: Catalog, level: str, last_day: date, *, merged_into: str | None = None, actor: str = "system"
) -> list[str]:
    """Give every agency of ``level`` still open a ``valid_to`` of ``last_day`` (and a successor when given)."""
    closed = []
    for a in list_agencies(catalog):
        if a.level != level or a.valid_to is not None:
            continue
        if a.valid_from is not None and a.valid_from > last_day.isoformat():
            continue
        dated = {"valid_to": last_day.isoformat()}
        if merged_into and not a.merged_into:
            dated["merged_into"] = merged_into
        upsert_agency(
            catalog, a.code, name=a.name, level=a.level, org_type=a.org_type, parent=a.parent, actor=actor, **dated
        )
        closed.append(a.code)
    return closed


def two_level_from(path: Path | None = None) -> date:
    data = tomllib.loads((path or BUNDLED).read_text(encoding="utf-8"))
    return date.fromisoformat(str(data.get("two_level_from", "2025-07-01")))


def apply_2025_map(
    catalog: Catalog,
    *,
    path: Path | None = None,
    province_code: str | None = None,
    close_districts: bool = True,
    actor: str = "system",
) -> MapResult:
    """The bundled province structure, and (``close_districts``) district-level agencies closed on the eve of
    two-level government, their history carried to the province unless a successor was already given."""
    registered = load_map(catalog, path, province_code=province_code, actor=actor)
    closed = []
    if close_districts:
        province = next((c for c in registered if c.startswith("000.00.00.")), None)
        closed = close_ended_level(
            catalog, "district", two_level_from(path) - timedelta(days=1), merged_into=province, actor=actor
        )
    return MapResult(registered, closed)
