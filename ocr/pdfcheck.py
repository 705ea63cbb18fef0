"""Active content in an input PDF: what a scan never needs and an attacker likes.

The archived copy is built from the pages' pixels, so nothing of this reaches the signed PDF/A; but the original
is kept byte for byte, may be exported or handed out again, and a clerk must know what it carries. The batch
flags such a document for review (``pipeline.stages``) and records the findings in its sidecar.

Found by walking every object of the file once (pikepdf), whatever the nesting:

``javascript``      a JavaScript action (``/S /JavaScript``, ``/JS``) or the document's JavaScript name tree
``embedded_file``   an embedded file (``/EmbeddedFiles``, ``/EF``, a file-attachment annotation)
``launch_action``   an action that starts a program or opens a file (``/S /Launch``)
``xfa_form``        an XFA form (scripts and data outside the PDF model)
``rich_media``      Flash or 3D content (``/RichMedia``, ``/3D``)
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

KINDS = ("javascript", "embedded_file", "launch_action", "xfa_form", "rich_media")
MAX_OBJECTS = 500_000
"""Objects looked at, at most (a scan has a few dozen; the source check caps pages and pixels already)."""

_N = pikepdf.Name


def _kinds_of(obj: pikepdf.Dictionary) -> set[str]:
    found: set[str] = set()
    keys = set(obj.keys())
    action = obj.get("/S")
    if "/JS" in keys or action == _N.JavaScript or "/JavaScript" in keys:
        found.add("javascript")
    if action == _N.Launch:
        found.add("launch_action")
    subtype = obj.get("/Subtype")
    if "/EmbeddedFiles" in keys or "/EF" in keys or obj.get("/Type") == _N.EmbeddedFile:
        found.add("embedded_file")
    if subtype == _N.FileAttachment:
        found.add("embedded_file")
    if "/XFA" in keys:
        found.add("xfa_form")
    if subtype in (_N.RichMedia, _N("/3D")) or "/RichMediaContent" in keys:
        found.add("rich_media")
    return found


def _walk(root: object, found: set[str], budget: list[int]) -> None:
    """Check ``root`` and the direct objects nested in it (indirect ones are visited from ``pdf.objects``)."""
    stack = [root]
    while stack and budget[0] > 0:
        budget[0] -= 1
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            found |= _kinds_of(obj)
            children = obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            continue
        stack.extend(c for c in children if isinstance(c, pikepdf.Object) and not c.is_indirect)


def active_content(path: Path) -> tuple[str, ...]:
    """The kinds of active content the PDF at ``path`` carries, in ``KINDS`` order (empty: none)."""
    found: set[str] = set()
    budget = [MAX_OBJECTS]
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if budget[0] <= 0:
                break
            _walk(obj, found, budget)
        _walk(pdf.trailer, found, budget)
    return tuple(k for k in KINDS if k in found)
