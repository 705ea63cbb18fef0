"""Fixtures for the distributed-queue tests: real Redis / RabbitMQ on loopback, each test in its own
namespace (Redis key prefix, RabbitMQ queue prefix) because other engineers run tests on the same servers,
and worker processes that are always killed in teardown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.make_samples import Spec, generate
from tests.servers import port_open, unavailable

REPO = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("SOHOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("SOHOA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")

# Short delays so failure paths finish in seconds: back-off, lease, Redis's dead-worker detection.
FAST = {
    "SOHOA_QUEUE__MIN_BACKOFF_MS": "200",
    "SOHOA_QUEUE__MAX_BACKOFF_MS": "1000",
    "SOHOA_QUEUE__MAX_RETRIES": "2",
    "SOHOA_QUEUE__LEASE_S": "4",
    "SOHOA_QUEUE__HEARTBEAT_TIMEOUT_MS": "3000",
    "SOHOA_QUEUE__MAINTENANCE_CHANCE": "1000000",
}

QUEUE_SPECS = [
    Spec("GKS", "clean", 200, "png"),
    Spec("XNCT", "clean", 200, "png"),
    Spec("CCCD", "clean", 200, "jpg"),
]


@pytest.fixture(scope="session")
def queue_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("queue-samples")
    generate(out, QUEUE_SPECS, seed=11)
    return out / "scans"


@pytest.fixture
def inbox(queue_samples: Path, tmp_path: Path) -> Path:
    import shutil

    d = tmp_path / "inbox"
    shutil.copytree(queue_samples, d)
    return d


@dataclass
class BrokerEnv:
    kind: str
    url: str
    namespace: str
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
        env.update(FAST)
        env.update(
            SOHOA_HOME=str(self.home),
            SOHOA_BROKER_URL=self.url,
            SOHOA_QUEUE__NAMESPACE=self.namespace,
            SOHOA_LOG_LEVEL="INFO",
            PYTHONPATH=str(REPO),
        )
        env.update(extra)
        return env

    def apply(self, monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
        """The same settings in this process (for in-process enqueueing and checks)."""
        for k, v in self.env(**extra).items():
            if k.startswith("SOHOA_"):
                monkeypatch.setenv(k, v)


def _cleanup(kind: str, url: str, namespace: str) -> None:
    try:
        if kind == "redis":
            import redis

            client = redis.Redis.from_url(url)
            for key in client.scan_iter(f"{namespace}:*", count=500):
                client.delete(key)
            client.close()
        else:
            import pika

            conn = pika.BlockingConnection(pika.URLParameters(url))
            ch = conn.channel()
            for suffix in ("", ".DQ", ".XQ", ".DQ.XQ"):
                ch.queue_delete(f"{namespace}.documents{suffix}")
            conn.close()
    except Exception:
        pass


def make_broker_env(kind: str, home: Path) -> BrokerEnv:
    port = 6379 if kind == "redis" else 5672
    if not port_open(port):
        unavailable(f"{kind} is not listening on 127.0.0.1:{port}")
    return BrokerEnv(kind, REDIS_URL if kind == "redis" else AMQP_URL, f"sohoa-t{uuid.uuid4().hex[:10]}", home)


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_env(request: pytest.FixtureRequest, home: Path) -> Iterator[BrokerEnv]:
    env = make_broker_env(request.param, home)
    yield env
    _cleanup(env.kind, env.url, env.namespace)


@pytest.fixture
def redis_env(home: Path) -> Iterator[BrokerEnv]:
    env = make_broker_env("redis", home)
    yield env
    _cleanup(env.kind, env.url, env.namespace)


@pytest.fixture
def queue_setup(monkeypatch: pytest.MonkeyPatch):
    """``pipeline.actors.setup`` in this process, with the test's settings; the broker is closed afterwards."""
    from pipeline import actors

    actors.reset()

    def make(env: BrokerEnv, **extra: str):
        env.apply(monkeypatch, **extra)
        from pipeline.config import load_config

        return actors.setup(load_config())

    yield make
    actors.reset()


@dataclass
class Workers:
    procs: list[subprocess.Popen]

    def kill(self, proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start ``sohoa worker`` in its own process group; every group is SIGKILLed in teardown."""
    started: list[subprocess.Popen] = []

    def start(env: BrokerEnv, processes: int = 1, threads: int = 1, metrics_port: int = 0) -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        args = ["worker", "--processes", str(processes), "--threads", str(threads), "--metrics-port", str(metrics_port)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args],
            env=env.env(),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
