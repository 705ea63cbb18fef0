"""The watched scan folder: files the scanner writes there become batches, once they are complete.

A file is taken when

* its name is not a temporary one (``~$…``, ``*.tmp``, ``*.part``, hidden …, ``WatchConfig.ignore``);
* its size and modification time have not changed for ``settle_s`` (a slow SMB copy keeps changing them);
* it opens and parses as a complete scan (``ocr.sources.inspect_source``): a PDF whose end is not yet written,
  a truncated TIFF, wait. A file that stays unparseable for three times ``settle_s`` is taken anyway, and its
  batch quarantines it with the reason (bytes kept).

Taking a file moves it (one rename, on the same file system) into a folder of its own under ``DIR/.sohoa/incoming/``,
with ``.intake.json`` saying where it came from and what its sub-folder stands for. That folder is the input of
one batch (``pipeline.batch``: in this process, or queued to the workers), which cuts it into documents. When the
batch is done the folder moves to ``DIR/_processed/<date>/`` (``_failed/<date>/`` when an item was quarantined),
with the batch's report beside the file. A batch with a transient failure (store or database away) stays in
``incoming`` and runs again later: the same bytes are never archived twice (same SHA-256: a duplicate), so running
again is safe — after a restart, the watcher first runs whatever ``incoming`` still holds.

A folder on a network share that goes away is waited for; nothing is lost and the watcher keeps running.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from catalog.codes import validate_agency_code, validate_dossier_code
from catalog.errors import InvalidCode
from ocr.config import OcrConfig
from ocr.errors import BadInput
from ocr.sources import inspect_source
from pipeline.errors import ExitCode, PipelineError
from pipeline.intake_config import WatchConfig
from pipeline.model import Declared

log = logging.getLogger("sohoa.watch")
STATE_DIR = ".sohoa"
PROCESSED = "_processed"
FAILED = "_failed"
INTAKE = ".intake.json"
"""Hidden: the batch that plans the folder never takes it for a scan."""
RETRY_AFTER_S = 300.0
"""A batch with a transient failure runs again after this long."""


class WatchBusy(PipelineError):
    reason_code = "watch_busy"
    exit_code = ExitCode.BUSY


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float
    first: float


@dataclass(frozen=True, slots=True)
class Result:
    """What the batch of one taken file did (``Submit``'s answer)."""

    batch_id: str
    done: bool
    """Finished: every item archived, for review, duplicate or quarantined. False: queued, or a transient failure."""
    quarantined: int = 0
    transient: int = 0
    report: dict = field(default_factory=dict)


Submit = Callable[[Path, Declared, str | None], Result]
"""Runs (or queues) the batch of one staged folder: (folder, what its sub-folder says, earlier batch id)."""
Status = Callable[[str], Result | None]
"""The state of a queued batch by id (None: unknown)."""


def subfolder_declared(name: str | None, mode: str) -> Declared:
    """What a first-level sub-folder's name says about the files in it."""
    if not name or mode == "none":
        return Declared()
    if mode in ("dossier", "auto"):
        try:
            return Declared(dossier=validate_dossier_code(name))
        except InvalidCode:
            if mode == "dossier":
                return Declared(
                    notes=(
                        f"intake: thư mục {name!r} không phải mã hồ sơ hợp lệ / folder {name!r} is not a dossier code",
                    )
                )
    try:
        return Declared(agency=validate_agency_code(name))
    except InvalidCode:
        if mode == "agency":
            return Declared(
                notes=(
                    f"intake: thư mục {name!r} không phải mã cơ quan hợp lệ / folder {name!r} is not an agency code",
                )
            )
    return Declared()


class Watcher:
    def __init__(
        self,
        root: Path,
        cfg: WatchConfig,
        ocr: OcrConfig,
        submit: Submit,
        status: Status | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = root
        self.cfg = cfg
        self.ocr = ocr
        self.submit = submit
        self.status = status
        self.clock = clock
        self.seen: dict[Path, _Seen] = {}
        self.retry_at: dict[Path, float] = {}
        self.available = True

    # --- places -------------------------------------------------------------------------------------------------
    @property
    def incoming(self) -> Path:
        return self.root / STATE_DIR / "incoming"

    def _ignored(self, name: str) -> bool:
        return any(fnmatch.fnmatch(name, pat) for pat in self.cfg.ignore)

    def candidates(self) -> list[Path]:
        """Files in the folder and its first-level sub-folders (never the intake's own folders)."""
        out = []
        for entry in sorted(self.root.iterdir()):
            if entry.name in (STATE_DIR, PROCESSED, FAILED) or self._ignored(entry.name):
                continue
            if entry.is_dir() and not entry.is_symlink():
                out.extend(
                    p
                    for p in sorted(entry.iterdir())
                    if p.is_file() and not p.is_symlink() and not self._ignored(p.name)
                )
            elif entry.is_file() and not entry.is_symlink():
                out.append(entry)
        return out

    # --- one look at the folder ---------------------------------------------------------------------------------
    def poll(self) -> list[Path]:
        """Take the files that are complete and run what ``incoming`` holds; the staged folders handled."""
        try:
            if not self.root.is_dir():
                raise FileNotFoundError(self.root)
            files = self.candidates()
        except OSError as e:
            if self.available:
                log.warning("thư mục quét không truy cập được, chờ / scan folder unreachable, waiting: %s", e)
            self.available = False
            self.seen.clear()  # what was seen before is not known to be still: the wait starts again
            return []
        if not self.available:
            log.warning("thư mục quét đã truy cập lại được / scan folder reachable again")
            self.available = True
        now = self.clock()
        for path in files:
            try:
                self._look(path, now)
            except OSError as e:  # vanished or locked meanwhile: looked at again next time
                log.info("%s: %s", path.name, type(e).__name__)
                self.seen.pop(path, None)
        for gone in set(self.seen) - set(files):
            del self.seen[gone]
        return self.run_incoming()

    def _look(self, path: Path, now: float) -> None:
        st = path.stat()
        seen = self.seen.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
            self.seen[path] = _Seen(st.st_size, st.st_mtime_ns, now, seen.first if seen else now)
            return
        if now - seen.since < self.cfg.settle_s or st.st_size == 0:
            return
        try:
            complete(path)
            inspect_source(path, self.ocr)
        except BadInput as e:
            if now - seen.since < 3 * max(self.cfg.settle_s, 1.0):
                log.info("%s: chưa đọc được, chờ / not parseable yet (%s)", path.name, e.reason_code)
                return
            log.warning("%s: stays unparseable; its batch quarantines it (%s)", path.name, e.reason_code)
        self.take(path)
        self.seen.pop(path, None)

    def take(self, path: Path) -> Path | None:
        """Move a complete file into a folder of its own under ``incoming`` (one rename), with ``.intake.json``."""
        rel = path.relative_to(self.root)
        sub = rel.parts[0] if len(rel.parts) > 1 else None
        declared = subfolder_declared(sub, self.cfg.subfolders)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = self.incoming / f"{stamp}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(parents=True, exist_ok=True)
        intake = {"source": rel.as_posix(), "declared": asdict(declared), "taken_at": datetime.now().isoformat()}
        _write_json(folder / INTAKE, intake)
        try:
            os.rename(path, folder / path.name)
        except OSError as e:
            log.warning("%s: not taken (%s)", path.name, type(e).__name__)
            shutil.rmtree(folder, ignore_errors=True)
            return None
        log.info("taken: %s", rel.as_posix())
        return folder

    def run_incoming(self) -> list[Path]:
        """The batch of every staged folder (oldest first); a finished one moved out. Returns those moved."""
        handled = []
        if not self.incoming.is_dir():
            return handled
        now = self.clock()
        for folder in sorted(p for p in self.incoming.iterdir() if p.is_dir()):
            if self.retry_at.get(folder, 0.0) > now:
                continue
            try:
                intake = json.loads((folder / INTAKE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                intake = {"source": next((p.name for p in folder.iterdir() if p.name != INTAKE), "?"), "declared": {}}
            files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
            if not files:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            result = None
            batch_id = intake.get("batch_id")
            if batch_id and intake.get("queued") and self.status is not None:
                result = self.status(batch_id)
                if result is not None and not result.done:
                    if result.transient:  # the workers finished it with failures: a new batch, later
                        intake["queued"] = False
                        _write_json(folder / INTAKE, intake)
                        self.retry_at[folder] = now + RETRY_AFTER_S
                    continue  # else the workers are still at it
            if result is None:
                result = self.submit(folder, Declared.from_json(intake.get("declared") or {}), batch_id)
                intake["batch_id"] = result.batch_id
                intake["queued"] = not result.done and not result.transient
                _write_json(folder / INTAKE, intake)
                if not result.done:
                    if result.transient:
                        self.retry_at[folder] = now + RETRY_AFTER_S
                        log.warning("batch %s: transient failures, runs again later", result.batch_id)
                    continue
            handled.append(self.finish(folder, files[0].name, intake, result))
        return handled

    def finish(self, folder: Path, name: str, intake: dict, result: Result) -> Path:
        """Move a finished batch's file to ``_processed`` (``_failed`` when quarantined), report beside it."""
        day = datetime.now().strftime("%Y-%m-%d")
        kind = FAILED if result.quarantined else PROCESSED
        if self.cfg.done == "keep":
            dest_dir = self.root / STATE_DIR / ("failed" if result.quarantined else "done") / day
        else:
            dest_dir = self.root / kind / day / Path(intake.get("source", name)).parent
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / name
        if dest.exists():
            dest = dest_dir / f"{Path(name).stem}.{result.batch_id}{Path(name).suffix}"
        _write_json(dest_dir / f"{dest.name}.sohoa.json", {**intake, "report": result.report})
        os.replace(folder / name, dest)
        shutil.rmtree(folder, ignore_errors=True)
        self.retry_at.pop(folder, None)
        log.info("batch %s done: %s", result.batch_id, dest)
        return dest

    def pending(self) -> bool:
        """Files not yet taken, or staged folders this process still has to run (queued ones excepted)."""
        try:
            if self.candidates():
                return True
        except OSError:
            return False
        for folder in self.incoming.glob("*/") if self.incoming.is_dir() else []:
            try:
                intake = json.loads((folder / INTAKE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return True
            if not intake.get("queued") and self.retry_at.get(folder, 0.0) <= self.clock():
                return True
        return False

    def drain(self, timeout_s: float) -> list[Path]:
        """Look until what is in the folder now has been taken and run (queued batches: sent, and moved out if
        finished), at most ``timeout_s``: ``sohoa watch --once`` from cron or a script."""
        deadline = time.monotonic() + timeout_s
        handled = self.poll()
        while self.pending() and time.monotonic() < deadline:
            time.sleep(self.cfg.poll_s)
            handled += self.poll()
        return handled

    def lock(self) -> object:
        """Hold ``DIR/.sohoa/watch.lock`` for this process's life: one watcher per folder (a second one, on this
        machine or another that mounts the share with working locks, refuses to start)."""
        import fcntl

        (self.root / STATE_DIR).mkdir(parents=True, exist_ok=True)
        fh = (self.root / STATE_DIR / "watch.lock").open("a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            fh.close()
            raise WatchBusy(
                f"another watcher already watches {self.root}",
                f"đã có một tiến trình khác theo dõi thư mục {self.root}",
            ) from e
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        return fh

    def run_forever(self, stop: Callable[[], bool] = lambda: False) -> None:
        while not stop():
            try:
                self.poll()
            except Exception:  # one bad look never stops the watcher
                log.exception("watch: a poll failed; going on")
            time.sleep(self.cfg.poll_s)


def complete(path: Path) -> None:
    """Raise BadInput when a PDF's end is not written yet: qpdf repairs a half-written PDF and would open it, so
    its last ``%%EOF`` (written last by every PDF writer) is looked for. Images are decoded in full by
    ``inspect_source``, which refuses a truncated one."""
    with path.open("rb") as f:
        head = f.read(1024)
        if b"%PDF-" not in head:
            return
        f.seek(max(0, path.stat().st_size - 2048))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise BadInput(f"{path.name}: the PDF has no end yet", f"{path.name}: tệp PDF chưa ghi xong")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
