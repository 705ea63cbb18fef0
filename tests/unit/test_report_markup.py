"""The terminal summary treats file names, codes and reasons as text, never as rich markup (audit of issue 23:
a scan named ``a[/]x.png`` crashed the summary with a traceback after the batch had run)."""

from __future__ import annotations

from rich.console import Console

from pipeline.report import print_summary


class _Store:
    url = "file:///srv/[bold]warehouse"


def _doc(name: str, reason: str | None) -> dict:
    return {
        "input": name,
        "status": "quarantined",
        "reason": reason,
        "review": [],
        "type_confidence": None,
        "type_code": None,
        "owner_id": None,
        "doc_code": None,
    }


def test_markup_in_names_and_reasons_is_printed_as_text():
    names = ["a[/]x.png", "[red]b.png", "c[/bold].tif", "[link=http://x]d.pdf"]
    data = {
        "batch_id": "B20261206-0000abcd",
        "documents": [_doc(n, f"{n}: [/] không đọc được / unreadable") for n in names],
        "totals": {
            "documents": 4,
            "pages": 0,
            "archived": 0,
            "needs_review": 0,
            "duplicate": 0,
            "quarantined": 4,
            "failed": 0,
            "elsewhere": 0,
            "unlisted": ["e[/].png"],
        },
    }
    console = Console(record=True, width=300, color_system=None)
    print_summary(console, data, _Store(), "/srv/quarantine[/]")
    text = console.export_text()
    for n in [*names, "e[/].png", "file:///srv/[bold]warehouse"]:
        assert n in text
