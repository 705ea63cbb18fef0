"""Policy for tests that need a server: skip with a clear reason on a laptop, fail when CI=true."""

from __future__ import annotations

import os
import socket

import pytest

CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def unavailable(reason: str) -> None:
    if CI:
        pytest.fail(f"{reason} — CI=true, so this server is required", pytrace=False)
    pytest.skip(reason)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0
