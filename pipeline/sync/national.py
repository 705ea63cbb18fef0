"""The national portal's warehouse as the lookup API asks it: a time budget, a short cache, never an error.

A reuse check asks only for the types the province's own catalog does not satisfy. The answer comes within
``sync.lookup_budget_ms`` or not at all: then the local answer goes out alone and says the national part is
missing (``catalog.lookup.NationalPart``). An owner's answer is kept ``sync.lookup_cache_s`` seconds per API
worker, so a dossier checked several times in a row asks once. Every check, with or without the national
part, is audited by the route like a local one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pipeline.sync.config import SyncConfig
from pipeline.sync.connector import Connector, RemoteUnavailable

log = logging.getLogger("sohoa.sync.national")
CACHE_MAX = 10_000


class NationalLookup:
    def __init__(self, connector: Connector, cfg: SyncConfig) -> None:
        self.connector = connector
        self.budget = cfg.lookup_budget_ms / 1000
        self.ttl = cfg.lookup_cache_s
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[float, list[dict[str, Any]]]] = {}

    async def lookup(self, owner_id: str, type_codes: list[str]) -> tuple[list[dict[str, Any]] | None, str | None]:
        key = (owner_id, tuple(sorted(type_codes)))
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1], None
        try:
            papers = await asyncio.wait_for(self.connector.papers_async(owner_id, list(type_codes)), self.budget)
        except TimeoutError:
            return None, f"no answer within {int(self.budget * 1000)} ms / không có trả lời trong thời hạn"
        except RemoteUnavailable as e:
            log.info("national look-up unavailable: %s", e)
            return None, f"{e.vi} / {e}"
        if self.ttl:
            if len(self._cache) >= CACHE_MAX:
                self._cache.clear()
            self._cache[key] = (now + self.ttl, papers)
        return papers, None

    async def aclose(self) -> None:
        await self.connector.aclose()
        self.connector.close()
