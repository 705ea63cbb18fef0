"""``sohoa nightly``: the jobs an office runs every night, each also runnable alone.

Each job lives in its own module of this package, registers itself with :func:`pipeline.nightly.registry.job`
and adds its own ``sohoa nightly <name>`` command to :data:`nightly_app`. Importing this package imports
every job module, so the registry is complete.
"""

# One import per job module (keeps the registry complete). Keep sorted.
from pipeline.nightly import (  # noqa: F401
    backup,
    expiry,
    fixity,
    kpi,
    ownerkeys,
    retimestamp,
    retry,
    revalidate,
    sync,
)
from pipeline.nightly.registry import JOBS, JobReport, nightly_app, run_jobs

__all__ = ["JOBS", "JobReport", "nightly_app", "run_jobs"]
