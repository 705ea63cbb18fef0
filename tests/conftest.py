from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from pipeline.config import AppConfig
from scripts.make_samples import Spec, generate
from signing.pki import ensure_demo_pki
from tests.servers import unavailable

ORG = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"

# A small set that covers every input format, both resolutions, a two-page paper and a turned page.
BATCH_SPECS = [
    Spec("GKS", "clean", 200, "png"),
    Spec("GCNQSDD", "clean", 200, "tif"),
    Spec("GCNDKDN", "clean", 200, "pdf"),
    Spec("CCCD", "clean", 300, "jpg"),
    Spec("XNCT", "rotated", 200, "png"),
]


_ADVERSARIAL: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each kind of the adversarial suite (``tests/adversarial/``): held or broke. Under pytest-xdist the workers'
    reports reach this hook in the controlling process too, so the count covers every worker."""
    if "tests/adversarial/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _ADVERSARIAL[report.nodeid] = "held" if report.passed else ("skipped" if report.skipped else "broke")


def pytest_terminal_summary(terminalreporter) -> None:
    if not _ADVERSARIAL:
        return
    held = sum(1 for v in _ADVERSARIAL.values() if v == "held")
    broke = [k.split("::", 1)[-1] for k, v in _ADVERSARIAL.items() if v == "broke"]
    terminalreporter.write_line(
        f"adversarial suite: {len(_ADVERSARIAL)} kinds of bad input and attack tried, {held} held"
        + (f"; broke: {', '.join(broke)}" if broke else "")
    )


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SOHOA_* setting of the developer's shell leaks into a test."""
    for k in list(os.environ):
        if k.startswith("SOHOA_"):
            monkeypatch.delenv(k)


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated once per session: scans in samples/scans, ground truth in samples/truth."""
    out = tmp_path_factory.mktemp("samples")
    generate(out, BATCH_SPECS, seed=7)
    return out


@pytest.fixture(scope="session")
def demo_pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pki")
    ensure_demo_pki(d, ORG)
    return d


@pytest.fixture
def home(tmp_path: Path, demo_pki_dir: Path) -> Path:
    """A fresh SOHOA_HOME with the session's demo PKI already in place (key generation is slow)."""
    h = tmp_path / "home"
    shutil.copytree(demo_pki_dir, h / "pki")
    return h


@pytest.fixture
def config(home: Path) -> AppConfig:
    return AppConfig(home=home)


@pytest.fixture
def scans(samples: Path, tmp_path: Path) -> Path:
    """A private copy of the sample scans (tests may add bad files to it)."""
    d = tmp_path / "scans"
    shutil.copytree(samples / "scans", d)
    return d


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as e:  # pragma: no cover - depends on the machine
        unavailable(f"PostgreSQL not reachable at {url}: {e}")
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str):
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"sohoa_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = postgres_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a catalog test on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("postgres_url")
