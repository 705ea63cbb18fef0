"""Starting a batch from the workspace: on a scan folder of the clerk's office (chosen from the list of
``<intake_dir>/<agency>/`` and its sub-folders — never a path typed in), on files the clerk uploads, or on a
reviewer's corrected split of a stack. The batch is run by the one driver (``pipeline.batch``): sent to the workers
when a broker is configured, else in this server's process, in a thread (one batch at a time), so the page answers
at once. The batch's id is chosen here, so the list shows it as "starting" until it is recorded, then with its
live progress."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from catalog.accounts import AccountInfo
from catalog.db import Catalog, new_batch_id
from pipeline.config import AppConfig
from pipeline.model import PlannedItem

log = logging.getLogger(__name__)

_AGENCY = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
_SAFE = re.compile(r"[^\w.\-]+")
STARTERS = ("clerk", "supervisor", "admin")
"""Roles that start batches; a reviewer-only account confirms documents, it does not run batches."""


def can_start(account: AccountInfo) -> bool:
    return account.role in STARTERS


def intake_root(cfg: AppConfig) -> Path:
    return cfg.workspace.intake_dir or cfg.home_dir / "intake"


def start_folders(root: Path, account: AccountInfo) -> list[str]:
    """The folders ``account`` may start a batch on: ``<agency>`` and ``<agency>/<sub-folder>`` under ``root``,
    for the offices it sees (hidden and ``_``-named folders left out)."""
    if not root.is_dir():
        return []
    out: list[str] = []
    for office in sorted(p for p in root.iterdir() if p.is_dir() and _AGENCY.match(p.name)):
        if not account.sees_agency(office.name) or (account.role == "clerk" and office.name != account.agency):
            continue
        out.append(office.name)
        out.extend(
            f"{office.name}/{sub.name}"
            for sub in sorted(office.iterdir())
            if sub.is_dir() and not sub.name.startswith((".", "_"))
        )
    return out


def safe_name(name: str) -> str:
    """An uploaded file's name, as a plain file name of this folder (no path, no odd characters)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE.sub("_", base).strip("._") or "file"
    return base[:120]


@dataclass
class Start:
    """A batch asked for from the workspace, until it is recorded (and after, if it could not start)."""

    agency: str
    account: str
    label: str
    """What the clerk chose: a folder of the office, "N uploaded files", a stack's corrected split."""
    root: Path
    planned: list[PlannedItem] | None = None
    batch_id: str = field(default_factory=new_batch_id)
    asked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "agency": self.agency,
            "operator": self.account,
            "label": self.label,
            "error": self.error,
        }


class Launcher:
    def __init__(self, cfg: AppConfig) -> None:
        self.cfg = cfg
        self.root = intake_root(cfg)
        self._one_at_a_time = threading.Lock()
        self._starts: dict[str, Start] = {}
        self._guard = threading.Lock()
        self.threads: list[threading.Thread] = []

    def upload_folder(self, agency: str, account: str) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        folder = self.cfg.home_dir / "uploads" / agency / f"{stamp}-{safe_name(account)}"
        folder.mkdir(parents=True)
        return folder

    def __call__(self, start: Start) -> Start:
        with self._guard:
            self._starts[start.batch_id] = start
        t = threading.Thread(target=self._run, args=(start,), daemon=True)
        self.threads = [x for x in self.threads if x.is_alive()] + [t]
        t.start()
        return start

    def waiting(self, sees: Callable[[str], bool]) -> list[Start]:
        """Starts not recorded yet, and those that failed (the newest first), of the offices ``sees`` admits."""
        with self._guard:
            starts = list(self._starts.values())
        return sorted((s for s in starts if sees(s.agency)), key=lambda s: s.asked_at, reverse=True)

    def forget(self, batch_ids: set[str]) -> None:
        """These batches are in the catalog now: the list shows them from there."""
        with self._guard:
            for b in batch_ids:
                st = self._starts.get(b)
                if st is not None and st.error is None:
                    del self._starts[b]

    def join(self, timeout: float | None = None) -> None:
        for t in list(self.threads):
            t.join(timeout)

    def _run(self, start: Start) -> None:
        cfg = self.cfg.model_copy(update={"agency": start.agency})
        with self._one_at_a_time:
            try:
                if cfg.broker_url:
                    self._enqueue(cfg, start)
                else:
                    self._in_process(cfg, start)
                with self._guard:
                    self._starts.pop(start.batch_id, None)
            except Exception as e:  # an unusable folder: no batch; the list says why
                log.exception("batch %s from the workspace did not start", start.batch_id)
                start.error = " ".join(str(getattr(e, "vi", "") or e).split())[:300] or type(e).__name__
                with self._guard:
                    for old in [b for b, s in self._starts.items() if s.error][:-20]:  # keep the last 20 refusals
                        del self._starts[old]

    def _enqueue(self, cfg: AppConfig, start: Start) -> None:
        from catalog.types import default_document_types
        from pipeline.actors import setup
        from pipeline.batch import enqueue_batch

        queue = setup(self.cfg)  # the server's one broker (its queues do not depend on the office)
        catalog = Catalog(cfg.catalog_config.url)  # type: ignore[arg-type]
        try:
            enqueue_batch(
                start.root, None, catalog, default_document_types(), queue, operator=start.account,
                agency=start.agency, split=cfg.intake.split, ocr=cfg.ocr, planned=start.planned,
                batch_id=start.batch_id,
            )  # fmt: skip
        finally:
            catalog.close()

    def _in_process(self, cfg: AppConfig, start: Start) -> None:
        from pipeline.batch import run_batch
        from pipeline.deps import build_deps

        deps = build_deps(cfg)
        try:
            run_batch(
                start.root, None, deps, operator=start.account, agency=start.agency, planned=start.planned,
                batch_id=start.batch_id,
            )  # fmt: skip
        finally:
            deps.close()
