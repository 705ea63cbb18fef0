"""A real S3-protocol server on loopback for the warehouse tests: ``moto`` in server mode.

MinIO's own server is not installable from our registries; moto speaks the same HTTP API (object lock,
versioning, conditional writes, checksums, presigned URLs). Each test gets its own bucket. The server
runs in this process, so its data survives a stop/start (used to simulate an outage).

Load with ``pytest_plugins = ["tests.fixtures_s3"]``.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.servers import unavailable

ACCESS_KEY = "sohoa-test"
SECRET_KEY = "sohoa-test-secret"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """A moto server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as e:  # pragma: no cover - depends on the environment
            unavailable(f"moto[server] is not installed: {e}")
        self._cls = ThreadedMotoServer
        self.port = free_port()
        self._srv = None
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._srv is not None

    def start(self) -> None:
        if self._srv is None:
            srv = self._cls(ip_address="127.0.0.1", port=self.port, verbose=False)
            srv.start()
            self._srv = srv

    def stop(self) -> None:
        """Stop serving and close the socket: clients get 'connection refused', as with a dead server."""
        srv, self._srv = self._srv, None
        if srv is not None:
            srv.stop()
            srv._server.server_close()

    def env(self, prefix: str = "SOHOA_S3_") -> dict[str, str]:
        return {
            prefix + "ENDPOINT": self.endpoint,
            prefix + "ACCESS_KEY": ACCESS_KEY,
            prefix + "SECRET_KEY": SECRET_KEY,
            prefix + "SECURE": "false",
            prefix + "REGION": REGION,
        }

    def boto3(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
            config=Config(retries={"max_attempts": 1}),
        )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    try:
        server.start()
    except OSError as e:  # pragma: no cover
        unavailable(f"cannot start the moto S3 server: {e}")
    yield server
    server.stop()


@pytest.fixture
def s3_outage_server() -> Iterator[S3Server]:
    """A server of its own for tests that stop and restart it."""
    server = S3Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket() -> str:
    return f"sohoa-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """SOHOA_S3_* pointing at the loopback server, also set in the process environment."""
    env = s3_server.env()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@dataclass
class S3Target:
    server: S3Server
    bucket: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}"


@pytest.fixture
def s3_target(s3_server: S3Server, s3_bucket: str, s3_env: dict[str, str]) -> S3Target:
    return S3Target(s3_server, s3_bucket)
