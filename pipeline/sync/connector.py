"""The boundary with the national warehouse: what a connector does, whatever the interface behind it.

``rest.RestConnector`` is the one real implementation (REST/JSON through the data-exchange platform); another
platform's interface is another class with these methods, chosen in ``open_connector``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass(frozen=True, slots=True)
class FileRef:
    """How the signed file travels with a paper: a short-lived link, or its bytes."""

    sha256: str | None
    url: str | None = None
    data: bytes | None = None
    name: str = "paper.pdf"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Literal["sent", "duplicate", "retry", "refused"]
    """``sent``: taken; ``duplicate``: the remote side had taken this very change before (its idempotency key);
    ``retry``: not taken, try again later (429, 5xx, time-out, unreachable); ``refused``: never (4xx)."""
    remote_ref: str | None = None
    retry_after: float | None = None
    """Seconds the remote side asked to wait (Retry-After)."""
    error: str = ""


class RemoteUnavailable(Exception):
    """The national side did not answer a look-up (down, slow, refused)."""

    reason_code = "national_unavailable"
    retryable = True

    def __init__(self, en: str, vi: str | None = None) -> None:
        super().__init__(en)
        self.vi = vi or en


class Connector(Protocol):
    def send(self, paper: dict[str, Any], idempotency_key: str, file: FileRef | None) -> SendResult:
        """Deliver one change (``paper`` in sohoa's names, ``catalog.outbox.snapshot`` + change and reason)."""
        ...

    def papers(self, owner_id: str, type_codes: list[str] | None = None) -> list[dict[str, Any]]:
        """The owner's papers the national side holds, in sohoa's names; ``RemoteUnavailable`` otherwise."""
        ...

    async def papers_async(self, owner_id: str, type_codes: list[str] | None = None) -> list[dict[str, Any]]:
        """``papers`` for the lookup API's event loop."""
        ...

    async def aclose(self) -> None:
        """Close what ``papers_async`` opened, in its event loop."""
        ...

    def close(self) -> None: ...
