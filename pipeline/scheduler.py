"""In-worker scheduler (for deployments without cron or systemd timers): ``sohoa worker --scheduler`` runs
``sohoa nightly`` at ``SOHOA_QUEUE__SCHEDULE`` (cron syntax, ``SOHOA_QUEUE__TIMEZONE``). Every worker machine
may run it: the catalog's nightly lock lets exactly one of them do the night's work."""

from __future__ import annotations

import logging

log = logging.getLogger("sohoa.scheduler")


def nightly_tick() -> None:
    from pipeline.config import load_config
    from pipeline.nightly.lock import NightlyBusy, run_nightly_locked

    try:
        reports = run_nightly_locked(load_config())
        log.info("nightly done: %s", ", ".join(f"{r.name}={'ok' if r.ok else 'problem'}" for r in reports))
    except NightlyBusy as e:
        log.info("nightly skipped: %s", e)
    except Exception:
        log.exception("nightly run failed")


def run_scheduler() -> None:
    """dramatiq fork function: block and fire ``nightly_tick`` on the configured cron schedule."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    from pipeline.config import load_config

    cfg = load_config()
    sched = BlockingScheduler(timezone=cfg.queue.timezone)
    sched.add_job(
        nightly_tick,
        CronTrigger.from_crontab(cfg.queue.schedule, timezone=cfg.queue.timezone),
        id="nightly",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    log.info("nightly scheduled at '%s' (%s)", cfg.queue.schedule, cfg.queue.timezone)
    sched.start()
