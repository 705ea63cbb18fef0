"""The watched folder with workers on PostgreSQL: a stack dropped in the folder is cut at plan time, its
documents processed by a worker process, and the file moved to ``_processed`` once the batch is done."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from catalog import batches
from catalog.db import Catalog
from scripts.samplegen.stacks import demo_stack
from tests.integration.queue_helpers import cli, wait_until

pytest_plugins = ["tests.fixtures_queue"]
pytestmark = pytest.mark.slow


class _WithCatalog:
    """The broker's environment with the test's PostgreSQL catalog, for the watcher and the workers alike."""

    def __init__(self, env, url: str) -> None:
        self.inner, self.url = env, url

    def env(self, **extra: str) -> dict[str, str]:
        return self.inner.env(SOHOA_CATALOG_URL=self.url, **extra)


def test_watched_folder_with_workers_on_postgresql(redis_env, postgres_url: str, home: Path, tmp_path: Path, workers):
    stack, code = demo_stack(random.Random(5))
    watched = tmp_path / "watched"
    code_folder = watched / code  # a sub-folder named for the dossier: the receipt says the same
    stack.save(code_folder / "xap.pdf")
    env = _WithCatalog(redis_env, postgres_url)
    worker = workers(env)
    first = cli(env, "watch", str(watched), "--queue", "--settle", "0", "--once")
    assert first.returncode == 0, first.stderr
    assert not (watched / "_processed").exists()  # queued: the workers have it
    (staged,) = list((watched / ".sohoa" / "incoming").iterdir())
    batch_id = json.loads((staged / ".intake.json").read_text())["batch_id"]
    catalog = Catalog(postgres_url)
    try:
        wait_until(lambda: batches.batch_status(catalog, batch_id).state == "done", "the batch", 600, (worker,))
        st = batches.batch_status(catalog, batch_id)
        assert st.totals["archived"] + st.totals["needs_review"] == 3, st.totals
        items = batches.failed_items(catalog, batch_id, tuple(st.totals))
        assert [it.input for it in items] == ["xap.pdf#p1", "xap.pdf#p3", "xap.pdf#p5"]
        docs = [catalog.get(it.doc_key) for it in items]
        assert {d.dossier_code for d in docs} == {code}
    finally:
        catalog.close()
    second = cli(env, "watch", str(watched), "--queue", "--settle", "0", "--once")
    assert second.returncode == 0, second.stderr
    (done,) = list((watched / "_processed").rglob("xap.pdf"))
    assert done.parent.name == code and not any((watched / ".sohoa" / "incoming").iterdir())
