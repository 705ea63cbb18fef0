"""Retrying quarantined items from the workspace: after a supervisor says the input was fixed, the items are run
again — sent to the workers when a broker is configured, else processed in this server's process, in a thread
(one retry at a time), so the page answers at once and the batch page shows the progress."""

from __future__ import annotations

import logging
import threading

from pipeline.config import AppConfig

log = logging.getLogger(__name__)


class Retrier:
    def __init__(self, cfg: AppConfig, actor: str = "workspace") -> None:
        self.cfg = cfg
        self._lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def __call__(self, batch_id: str, item_ids: list[int], actor: str = "workspace") -> None:
        t = threading.Thread(target=self._run, args=(batch_id, list(item_ids), actor), daemon=True)
        self.threads = [x for x in self.threads if x.is_alive()] + [t]
        t.start()

    def join(self, timeout: float | None = None) -> None:
        for t in list(self.threads):
            t.join(timeout)

    def _run(self, batch_id: str, item_ids: list[int], actor: str) -> None:
        from pipeline.batch import retry_batch

        with self._lock:
            try:
                if self.cfg.broker_url:
                    from catalog.db import Catalog
                    from pipeline.actors import setup

                    queue = setup(self.cfg)
                    catalog = Catalog(self.cfg.catalog_config.url)  # type: ignore[arg-type]
                    try:
                        retry_batch(catalog, batch_id, queue, item_ids=item_ids, actor=actor)
                    finally:
                        catalog.close()
                    return
                from pipeline.deps import build_deps

                deps = build_deps(self.cfg)
                try:
                    retry_batch(deps, batch_id, None, item_ids=item_ids, actor=actor)
                finally:
                    deps.close()
            except Exception:  # the items stay as they were; the page shows it, and the retry may be asked again
                log.exception("retry of batch %s items %s failed", batch_id, item_ids)
