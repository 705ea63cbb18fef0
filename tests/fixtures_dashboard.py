"""Headless Chromium (Debian ``chromium`` + ``chromium-driver``) driven by selenium, and a live app server.

Without the browser the tests skip on a laptop and fail with ``CI=true`` (``tests.servers.unavailable``);
``make test`` installs both packages first (scripts/install_system_deps.sh).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import unavailable

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _find(*names: str) -> str | None:
    for n in names:
        p = shutil.which(n) or (f"/usr/bin/{n}" if Path(f"/usr/bin/{n}").exists() else None)
        if p:
            return p
    return None


@pytest.fixture(scope="session")
def chrome() -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver")
    if not browser or not driver_path:
        unavailable("headless Chromium not installed (apt install chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,2400",
        "--lang=vi-VN",
        "--disable-extensions",
        "--no-first-run",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


class LiveServer:
    """uvicorn on 127.0.0.1 and a free port, in a thread of the test process; stopped by the fixture."""

    def __init__(self, app) -> None:
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
