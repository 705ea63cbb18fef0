"""``sohoa worker``: run dramatiq worker processes for the documents queue (the dramatiq CLI underneath)."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Annotated

import typer

from pipeline.clikit import cli_config, err, guarded
from pipeline.errors import ConfigError


@guarded
def worker_cmd(
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="Tiến trình / worker processes")] = 1,
    threads: Annotated[int, typer.Option("--threads", "-t", min=1, help="Luồng mỗi tiến trình / threads each")] = 1,
    metrics_port: Annotated[
        int | None, typer.Option(help="Cổng Prometheus /metrics (0 = tắt) / Prometheus port (0 = off)")
    ] = None,
    scheduler: Annotated[
        bool, typer.Option("--scheduler", help="Chạy nightly theo SOHOA_QUEUE__SCHEDULE / run nightly on schedule")
    ] = False,
) -> None:
    """Chạy worker xử lý hàng đợi / run workers for the documents queue (SOHOA_BROKER_URL).

    OCR is CPU-bound: one process per core, one thread each, is the usual choice. Several machines may run
    workers against the same broker, catalog database, object store and (mounted) input folders.
    """
    cfg = cli_config()
    if not cfg.broker_url:
        raise ConfigError(
            "sohoa worker needs SOHOA_BROKER_URL (redis://… or amqp://…)",
            "sohoa worker cần SOHOA_BROKER_URL (redis://… hoặc amqp://…)",
        )
    if metrics_port is not None:
        os.environ["SOHOA_QUEUE__METRICS_PORT"] = str(metrics_port)
    port = metrics_port if metrics_port is not None else cfg.queue.metrics_port
    if scheduler and not cfg.queue.schedule:
        raise ConfigError(
            "--scheduler needs SOHOA_QUEUE__SCHEDULE, e.g. '30 1 * * *'",
            "--scheduler cần SOHOA_QUEUE__SCHEDULE, ví dụ '30 1 * * *'",
        )
    # Every worker process writes its metrics here; the exposition fork sums them.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="sohoa-metrics-"))
    # One core per worker process: Tesseract's OpenMP threads (and OpenCV's) would otherwise make the processes
    # fight over the same cores (the Tesseract FAQ's advice for parallel OCR). Override with OMP_THREAD_LIMIT.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # With one message in hand per thread (below), the next one is fetched only once the last is acknowledged,
    # and the consumer notices that at its next poll: between two documents a worker waits half this timeout
    # on average. Measured with one-page documents (about 1 s each): 100 ms cost 56 ms a document (5.5 %),
    # 50 ms cost 28 ms (3 %); an idle worker process then uses 3 % of a core instead of 2 % (20 ms: 5 %).
    os.environ.setdefault("dramatiq_worker_timeout", "50")
    import dramatiq.cli
    import dramatiq.worker

    from pipeline.actors import SYNC, queue_name

    # One message in hand per thread: a long document never waits behind another in a busy worker's buffer.
    dramatiq.worker.QUEUE_PREFETCH = threads
    argv = ["pipeline.actors:worker_setup", "--processes", str(processes), "--threads", str(threads)]
    argv += ["--queues", queue_name(cfg), queue_name(cfg, SYNC), "--worker-shutdown-timeout", "60000"]
    if port:
        argv += ["--fork-function", "pipeline.metrics:serve_metrics"]
    if scheduler:
        argv += ["--fork-function", "pipeline.scheduler:run_scheduler"]
    err.print(
        f"sohoa worker: {processes} × {threads} trên hàng đợi / on queue {queue_name(cfg)}"
        + (f", metrics :{port}" if port else "")
        + (f", lịch / schedule '{cfg.queue.schedule}'" if scheduler else "")
    )
    args = dramatiq.cli.make_argument_parser().parse_args(argv)
    sys.exit(dramatiq.cli.main(args))
