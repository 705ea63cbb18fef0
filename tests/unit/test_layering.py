"""The dependency rule (README, Development): ``pipeline`` may import every package; the leaves ``ocr``,
``signing``, ``archive`` and ``catalog`` import none of each other — except ``catalog`` using ``ocr``'s text
helpers (``ocr.text``) — and never ``pipeline``. Every import counts: at the top of a module, inside a
function, or for type checking only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LEAVES = ("ocr", "signing", "archive", "catalog")
PACKAGES = (*LEAVES, "pipeline")
ALLOWED = {("catalog", "ocr.text")}
"""(leaf, module of another leaf) pairs the rule allows."""


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # "from catalog import batches" imports catalog.batches
            out += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return out


def violations(leaf: str) -> list[str]:
    found = []
    for path in sorted((REPO / leaf).rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top not in PACKAGES or top == leaf:
                continue
            if any(module == allowed or module.startswith(allowed + ".") for lf, allowed in ALLOWED if lf == leaf):
                continue
            found.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("leaf", LEAVES)
def test_leaves_import_no_other_leaf(leaf: str):
    assert violations(leaf) == []


def test_the_rule_catches_a_leaf_importing_another(tmp_path: Path, monkeypatch):
    """The check itself: a module of one leaf importing another (in a function) is reported."""
    fake = tmp_path / "archive"
    fake.mkdir()
    (fake / "oops.py").write_text("def f():\n    from catalog.db import Catalog\n    import pipeline.run\n")
    (fake / "fine.py").write_text("from archive.store import ObjectStore\nimport os\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    assert violations("archive") == [
        "archive/oops.py:2 imports catalog.db.Catalog",
        "archive/oops.py:3 imports pipeline.run",
    ]
