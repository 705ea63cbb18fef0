"""The PAdES baseline levels sohoa signs and verifies at, lowest first (no imports: the CLI reads them at start)."""

from typing import Literal

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[str, ...] = ("B-B", "B-T", "B-LT", "B-LTA")
