"""The watched scan folder (``pipeline.watch``): complete files only, once; restarts; a share that goes away."""

import io
import json
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from ocr.config import OcrConfig
from pipeline.intake_config import WatchConfig
from pipeline.model import Declared
from pipeline.watch import INTAKE, RETRY_AFTER_S, Result, Watcher, subfolder_declared


def pdf_bytes(pages: int = 3) -> bytes:
    ims = [Image.new("RGB", (200, 283), (255, 255, 255)) for _ in range(pages)]
    buf = io.BytesIO()
    ims[0].save(buf, "PDF", save_all=True, append_images=ims[1:], resolution=24.0)
    return buf.getvalue()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeBatches:
    """Records what it was given; answers as told."""

    def __init__(self, answer=None) -> None:
        self.calls: list[tuple[str, Declared, str | None]] = []
        self.answer = answer or (lambda n: Result(f"B{n}", True, report={"n": n}))

    def __call__(self, folder: Path, declared: Declared, batch_id: str | None) -> Result:
        names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        self.calls.append((names[0], declared, batch_id))
        return self.answer(len(self.calls))


def watcher(root: Path, submit, clock=None, **cfg) -> Watcher:
    return Watcher(root, WatchConfig(**{"settle_s": 5.0, **cfg}), OcrConfig(), submit, clock=clock or Clock())


def test_a_file_is_taken_once_it_is_still_and_parseable(tmp_path: Path):
    clock, submit = Clock(), FakeBatches()
    w = watcher(tmp_path, submit, clock)
    data = pdf_bytes()
    f = tmp_path / "scan.pdf"
    f.write_bytes(data[: len(data) // 2])  # the scanner is still writing
    assert w.poll() == []
    clock.t += 10
    assert w.poll() == [] and not submit.calls  # still and half-written: not parseable, waits
    with f.open("ab") as fh:
        fh.write(data[len(data) // 2 :])
    clock.t += 1
    assert w.poll() == []  # changed: the wait starts again
    clock.t += 4
    assert w.poll() == []
    clock.t += 2
    (done,) = w.poll()
    assert [c[0] for c in submit.calls] == ["scan.pdf"]
    assert done.read_bytes() == data and done.parent.parent.name == "_processed"
    assert json.loads((done.parent / "scan.pdf.sohoa.json").read_text())["report"] == {"n": 1}
    clock.t += 100
    assert w.poll() == [] and len(submit.calls) == 1  # never twice


def test_a_file_that_never_parses_is_taken_at_last_and_goes_to_failed(tmp_path: Path):
    clock = Clock()
    submit = FakeBatches(lambda n: Result(f"B{n}", True, quarantined=1))
    w = watcher(tmp_path, submit, clock)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a PDF")
    w.poll()
    clock.t += 6
    assert w.poll() == []
    clock.t += 10
    (done,) = w.poll()
    assert done.parent.parent.name == "_failed" and done.read_bytes().startswith(b"%PDF-1.4 this")


@pytest.mark.parametrize("name", ["~$scan.pdf", "scan.pdf.tmp", "scan.part", ".scan.pdf", "scan.crdownload"])
def test_temporary_names_are_never_taken(tmp_path: Path, name: str):
    clock, submit = Clock(), FakeBatches()
    w = watcher(tmp_path, submit, clock)
    (tmp_path / name).write_bytes(pdf_bytes())
    for _ in range(3):
        w.poll()
        clock.t += 10
    assert not submit.calls and (tmp_path / name).exists()


def test_subfolders_stand_for_offices_or_dossiers(tmp_path: Path):
    assert subfolder_declared("000.00.16.H42", "auto") == Declared(agency="000.00.16.H42")
    assert subfolder_declared("000.00.16.H42-230515-0003", "auto") == Declared(dossier="000.00.16.H42-230515-0003")
    assert subfolder_declared("Phong A", "auto") == Declared()
    assert subfolder_declared("Phong A", "agency").notes  # configured as offices: a bad name is said, not ignored
    assert subfolder_declared("000.00.16.H42", "none") == Declared()
    clock, submit = Clock(), FakeBatches()
    w = watcher(tmp_path, submit, clock)
    (tmp_path / "000.00.16.H42").mkdir()
    (tmp_path / "000.00.16.H42" / "a.pdf").write_bytes(pdf_bytes())
    w.poll()
    clock.t += 6
    (done,) = w.poll()
    assert submit.calls[0][1] == Declared(agency="000.00.16.H42")
    assert done.parent.name == "000.00.16.H42"


def test_a_restart_runs_what_was_taken_and_a_transient_failure_runs_again_later(tmp_path: Path):
    clock = Clock()
    crashed = FakeBatches(lambda n: (_ for _ in ()).throw(RuntimeError("killed")))
    w = watcher(tmp_path, crashed, clock)
    (tmp_path / "a.pdf").write_bytes(pdf_bytes())
    w.poll()
    clock.t += 6
    with pytest.raises(RuntimeError):
        w.poll()  # the process dies while the batch runs: the file is in incoming, nothing lost
    staged = list((tmp_path / ".sohoa" / "incoming").iterdir())
    assert len(staged) == 1 and (staged[0] / "a.pdf").exists() and (staged[0] / INTAKE).exists()

    flaky = FakeBatches(lambda n: Result(f"B{n}", n > 1, transient=0 if n > 1 else 1))
    w2 = watcher(tmp_path, flaky, clock)  # the restarted watcher
    assert w2.poll() == [] and len(flaky.calls) == 1  # store away: stays, runs again later
    clock.t += 10
    assert w2.poll() == [] and len(flaky.calls) == 1
    clock.t += RETRY_AFTER_S
    (done,) = w2.poll()
    assert len(flaky.calls) == 2 and flaky.calls[1][2] == "B1" and done.name == "a.pdf"


def test_queued_batches_are_followed_until_done(tmp_path: Path):
    clock = Clock()
    states = {"B1": Result("B1", False)}
    w = watcher(tmp_path, FakeBatches(lambda n: Result(f"B{n}", False)), clock, queue=True)
    w.status = lambda batch_id: states[batch_id]
    (tmp_path / "a.pdf").write_bytes(pdf_bytes())
    w.poll()
    clock.t += 6
    assert w.poll() == []  # queued
    assert w.poll() == []  # the workers are at it
    states["B1"] = Result("B1", True)
    (done,) = w.poll()
    assert done.name == "a.pdf"


def test_a_share_that_goes_away_is_waited_for(tmp_path: Path):
    clock, submit = Clock(), FakeBatches()
    root = tmp_path / "share"
    root.mkdir()
    w = watcher(root, submit, clock)
    (root / "a.pdf").write_bytes(pdf_bytes())
    w.poll()
    root.rename(tmp_path / "unmounted")
    clock.t += 6
    assert w.poll() == [] and not w.available  # no exception, no file lost
    (tmp_path / "unmounted").rename(root)
    clock.t += 1
    w.poll()
    clock.t += 6
    (done,) = w.poll()
    assert done.name == "a.pdf" and len(submit.calls) == 1


def test_a_slow_copy_is_processed_once_after_it_is_complete(tmp_path: Path):
    """A file written over a few seconds (an SMB copy) while the watcher polls in its own thread."""
    submit = FakeBatches()
    w = Watcher(tmp_path, WatchConfig(settle_s=1.0, poll_s=0.1), OcrConfig(), submit)
    stop = threading.Event()
    t = threading.Thread(target=w.run_forever, args=(stop.is_set,), daemon=True)
    t.start()
    data = pdf_bytes(6)
    chunk = max(1, len(data) // 12)
    seen_while_copying = []
    try:
        with (tmp_path / "slow.pdf").open("wb") as fh:
            for k in range(0, len(data), chunk):
                fh.write(data[k : k + chunk])
                fh.flush()
                time.sleep(0.3)  # slower than the settle time would allow only if the watcher checked nothing else
                seen_while_copying.append(len(submit.calls))
        deadline = time.monotonic() + 20
        while not submit.calls and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)
    finally:
        stop.set()
        t.join(timeout=5)
    assert set(seen_while_copying) == {0}
    assert len(submit.calls) == 1
    (done,) = list((tmp_path / "_processed").rglob("slow.pdf"))
    assert done.read_bytes() == data


def test_one_watcher_per_folder(tmp_path: Path):
    from pipeline.watch import WatchBusy

    first = watcher(tmp_path, FakeBatches())
    held = first.lock()
    try:
        with pytest.raises(WatchBusy):
            watcher(tmp_path, FakeBatches()).lock()
    finally:
        held.close()
    watcher(tmp_path, FakeBatches()).lock().close()  # free again once the first is gone
