"""Prometheus metrics of the workers: documents and pages processed, failures by reason, stage durations,
queue depth.

``sohoa worker`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before its processes start, so every
worker process writes its counters there and one exposition server (``--metrics-port``) serves their sum,
plus the queue depth read from the broker at each scrape. Labels never carry personal data: statuses,
reason codes, stage and queue names only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import Counter, Histogram

log = logging.getLogger("sohoa.metrics")

DOCUMENTS = Counter("sohoa_documents_total", "Documents processed, by final status", ["status"])
PAGES = Counter("sohoa_pages_total", "Pages recognised")
FAILURES = Counter("sohoa_failures_total", "Failed or quarantined documents, by reason code", ["reason"])
DUPLICATE_DELIVERIES = Counter("sohoa_duplicate_deliveries_total", "Messages for documents already done")
STAGE_SECONDS = Histogram(
    "sohoa_stage_seconds",
    "Time spent in each pipeline stage",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


def observe_stage(stage: str, seconds: float) -> None:
    """A stage observer (``pipeline.stages.run_stages``): the ``sohoa_stage_seconds{stage}`` histogram, labelled
    with the stage's name from ``catalog.status.STAGES``."""
    STAGE_SECONDS.labels(stage).observe(seconds)


class QueueDepthCollector:
    """``sohoa_queue_messages{queue, state=ready|delayed|dead}``, read from the broker at each scrape."""

    def __init__(self, depth: Callable[[], dict[str, tuple[int, int, int]]]) -> None:
        self.depth = depth

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        g = GaugeMetricFamily("sohoa_queue_messages", "Messages in the broker's queues", labels=["queue", "state"])
        try:
            for queue, (ready, delayed, dead) in self.depth().items():
                g.add_metric([queue, "ready"], ready)
                g.add_metric([queue, "delayed"], delayed)
                g.add_metric([queue, "dead"], dead)
        except Exception as e:  # a scrape never fails because the broker blinked
            log.warning("queue depth unavailable: %s", type(e).__name__)
        yield g


def serve_metrics() -> None:
    """dramatiq fork function: serve the workers' summed metrics and the queue depth on ``metrics_port``."""
    import os
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from prometheus_client import CollectorRegistry, make_wsgi_app
    from prometheus_client.multiprocess import MultiProcessCollector

    from pipeline.actors import setup
    from pipeline.deadletters import queue_depth

    q = setup()
    registry = CollectorRegistry()
    MultiProcessCollector(registry, os.environ["PROMETHEUS_MULTIPROC_DIR"])
    registry.register(QueueDepthCollector(lambda: queue_depth(q)))

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None: ...

    host = os.environ.get("SOHOA_METRICS_HOST", "0.0.0.0")
    with make_server(host, q.cfg.queue.metrics_port, make_wsgi_app(registry), handler_class=Quiet) as server:
        server.serve_forever()
