"""uvicorn's httptools protocol with an answer's head and body sent in one write.

uvicorn writes a response's status line and headers when the application sends ``http.response.start`` and the
body when it sends ``http.response.body``: two ``write`` system calls and two TCP segments for every short JSON
answer, which on a reuse check cost about a tenth of the server's CPU at 500 checks/s (each call also pays the
loopback's delivery to the client, and the client wakes twice). ``CoalescingHttpToolsProtocol`` gives uvicorn's
protocol a transport that gathers what is written during one turn of the event loop and hands it to the socket
once, at the end of that turn: the head and body of an answer sent in one task step leave together; a body
streamed over several steps still leaves as it is produced, and more than ``FLUSH_BYTES`` waiting is written at
once. Closing, ending or pausing the connection writes what is waiting first.

``sohoa serve`` and ``scripts/bench_api.py`` run uvicorn with ``http=PROTOCOL`` (this class, by import path).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

PROTOCOL = "catalog.api.http_protocol:CoalescingHttpToolsProtocol"
FLUSH_BYTES = 64 * 1024


class CoalescingTransport:
    """A transport that writes what one turn of the event loop wrote in one call; everything else is the
    socket's transport itself."""

    __slots__ = ("_loop", "_size", "_transport", "_waiting")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._waiting: list[bytes] | None = None
        self._size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._waiting is None:
            self._waiting = [data]
            self._size = len(data)
            self._loop.call_soon(self.flush)
        else:
            self._waiting.append(data)
            self._size += len(data)
        if self._size >= FLUSH_BYTES:
            self.flush()

    def writelines(self, lines) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        waiting, self._waiting, self._size = self._waiting, None, 0
        if not waiting or self._transport.is_closing():
            return
        self._transport.write(waiting[0] if len(waiting) == 1 else b"".join(waiting))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._waiting, self._size = None, 0
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._size + self._transport.get_write_buffer_size()

    def __getattr__(self, name: str) -> Any:  # is_closing, get_extra_info, pause_reading, set_protocol …
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's ``httptools`` protocol over a ``CoalescingTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]


__all__ = ["FLUSH_BYTES", "PROTOCOL", "CoalescingHttpToolsProtocol", "CoalescingTransport"]
