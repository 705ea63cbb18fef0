"""The field mapping between sohoa's paper (``catalog.outbox.snapshot``) and the national side's names."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

DEFAULT = Path(__file__).with_name("mapping.toml")


@dataclass(frozen=True)
class Mapping:
    paper: dict[str, str]
    """remote field -> sohoa field, ``@type:<field>`` or ``@const:<text>``."""
    types: dict[str, str]
    """sohoa type code -> national type code."""
    search: dict[str, str]
    endpoints: dict[str, str]
    version: str = ""

    def to_remote(self, paper: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for remote, source in self.paper.items():
            if source.startswith("@const:"):
                out[remote] = source[len("@const:") :]
            elif source.startswith("@type:"):
                code = paper.get(source[len("@type:") :])
                out[remote] = self.types.get(code, code) if code else None
            else:
                out[remote] = paper.get(source)
        return out

    def from_remote(self, item: dict[str, Any]) -> dict[str, Any]:
        """A paper of the national side's answer in sohoa's names (type codes mapped back)."""
        back = {v: k for k, v in self.types.items()}
        out: dict[str, Any] = {}
        for remote, source in self.paper.items():
            if source.startswith("@const:") or remote not in item:
                continue
            if source.startswith("@type:"):
                value = item[remote]
                out[source[len("@type:") :]] = back.get(value, value)
            else:
                out[source] = item[remote]
        return out

    def search_body(self, owner_id: str, type_codes: list[str] | None) -> dict[str, Any]:
        body: dict[str, Any] = {self.search.get("owner", "owner"): owner_id}
        if type_codes:
            body[self.search.get("types", "types")] = [self.types.get(c, c) for c in type_codes]
        return body


def load_mapping(path: Path | None = None) -> Mapping:
    path = path or DEFAULT
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return Mapping(
            paper={str(k): str(v) for k, v in data["paper"].items()},
            types={str(k): str(v) for k, v in data.get("types", {}).items()},
            search={str(k): str(v) for k, v in data.get("search", {}).items()},
            endpoints={"send": "/papers", "search": "/papers/search", **data.get("endpoints", {})},
            version=str(data.get("version", "")),
        )
    except (OSError, KeyError, tomllib.TOMLDecodeError, AttributeError) as e:
        raise ConfigError(
            f"sync mapping {path} is unusable: {e}", f"tệp ánh xạ đồng bộ {path} không dùng được: {e}"
        ) from e
