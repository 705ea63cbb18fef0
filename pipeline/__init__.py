"""Typed job records, the stage runner, the CLI, workers and nightly jobs."""

__version__ = "0.1.0"
