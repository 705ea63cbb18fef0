"""``catalog.api.http_protocol``: an answer's head and body leave in one write, nothing is lost or reordered."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
import time

import pytest
import uvicorn

from catalog.api import http_protocol
from catalog.api.http_protocol import FLUSH_BYTES, PROTOCOL, CoalescingTransport


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = self.eof = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def write_eof(self) -> None:
        self.eof = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 1) if name == "peername" else default


def test_writes_of_one_loop_turn_leave_together_and_in_order():
    async def main():
        real = FakeTransport()
        t = CoalescingTransport(real, asyncio.get_running_loop())
        t.write(b"HTTP/1.1 200 OK\r\n\r\n")
        t.write(b"")
        t.write(b'{"a":1}')
        assert real.writes == []  # nothing yet: the turn is not over
        assert t.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\n") + 7
        await asyncio.sleep(0)
        assert real.writes == [b'HTTP/1.1 200 OK\r\n\r\n{"a":1}']
        t.write(b"next")
        await asyncio.sleep(0)
        assert real.writes[-1] == b"next" and len(real.writes) == 2
        assert t.get_extra_info("peername") == ("127.0.0.1", 1)  # the rest is the socket's transport

    asyncio.run(main())


def test_close_and_eof_write_what_waits_first_abort_drops_it():
    async def main():
        loop = asyncio.get_running_loop()
        real = FakeTransport()
        t = CoalescingTransport(real, loop)
        t.write(b"last words")
        t.close()
        assert real.writes == [b"last words"] and real.closed
        await asyncio.sleep(0)  # the scheduled flush finds nothing and a closed socket: no second write
        assert real.writes == [b"last words"]

        real = FakeTransport()
        t = CoalescingTransport(real, loop)
        t.write(b"a")
        t.write_eof()
        assert real.writes == [b"a"] and real.eof

        real = FakeTransport()
        t = CoalescingTransport(real, loop)
        t.write(b"never sent")
        t.abort()
        await asyncio.sleep(0)
        assert real.writes == [] and real.aborted

    asyncio.run(main())


def test_a_large_answer_is_not_held_back():
    async def main():
        real = FakeTransport()
        t = CoalescingTransport(real, asyncio.get_running_loop())
        t.write(b"h")
        t.write(b"x" * FLUSH_BYTES)
        assert real.writes == [b"h" + b"x" * FLUSH_BYTES]  # written at once, not at the end of the turn
        t.write(b"tail")
        await asyncio.sleep(0)
        assert real.writes[-1] == b"tail"

    asyncio.run(main())


async def _app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/stream":  # chunked, several steps apart
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for i in range(3):
            await send({"type": "http.response.body", "body": f"part{i};".encode(), "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    payload = b'{"echo":' + str(len(body)).encode() + b"}"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})


@pytest.fixture
def server(monkeypatch):
    flushed: list[int] = []
    real_flush = CoalescingTransport.flush

    def counting_flush(self):
        if self._waiting:
            flushed.append(len(self._waiting))
        real_flush(self)

    monkeypatch.setattr(CoalescingTransport, "flush", counting_flush)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(_app, host="127.0.0.1", port=port, http=PROTOCOL, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield port, flushed
    srv.should_exit = True
    thread.join(10)


def test_a_real_server_answers_keep_alive_requests_each_in_one_write(server):
    port, flushed = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for n in (0, 10, 5000):
        conn.request("POST", "/check", body=b"x" * n, headers={"content-type": "application/json"})
        r = conn.getresponse()
        assert (r.status, r.read()) == (200, b'{"echo":' + str(n).encode() + b"}")
    assert flushed == [2, 2, 2]  # head and body of each answer: one write
    conn.request("GET", "/stream")
    r = conn.getresponse()
    assert r.read() == b"part0;part1;part2;"  # a body produced over several turns arrives whole and in order
    conn.close()


def test_sohoa_serve_runs_uvicorn_with_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SOHOA_CATALOG_URL", f"sqlite:///{tmp_path / 'c.db'}")
    r = CliRunner().invoke(app, ["serve", "--port", "8799"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert seen["http"] == PROTOCOL and seen["port"] == 8799
    assert http_protocol.CoalescingHttpToolsProtocol.__name__ in PROTOCOL
