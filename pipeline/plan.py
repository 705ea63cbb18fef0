"""Turn an input folder (and an optional manifest.csv) into the batch's planned items.

Problems found here — a row pointing outside the folder or to a missing file, an invalid owner ID or
code — make that one item quarantined; only an unusable manifest as a whole stops the batch.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from catalog.codes import (
    validate_agency_code,
    validate_dossier_code,
    validate_owner_id,
    validate_procedure_code,
)
from catalog.errors import InvalidCode
from catalog.types import DocumentTypes
from pipeline.errors import InputError
from pipeline.model import Declared, PlannedItem

MANIFEST_NAME = "manifest.csv"
COLUMNS = ("file", "dossier", "kind", "owner_id", "procedure", "type", "agency")


def _inside(root: Path, rel: str) -> Path | None:
    """The file ``rel`` names under ``root``, or None when it would leave ``root`` (.., absolute, symlink)."""
    if not rel or rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":"):
        return None
    candidate = (root / rel).resolve()
    try:
        candidate.relative_to(root)
    except ValueError:
        return None
    return candidate


def discover(root: Path) -> list[PlannedItem]:
    """Every regular file under ``root`` (recursively, hidden files and the manifest excluded), sorted."""
    items: list[PlannedItem] = []
    paths = sorted(
        p
        for p in root.rglob("*")
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
        and (p.is_file() or p.is_symlink())
        and p.name != MANIFEST_NAME
    )
    for n, p in enumerate(paths, 1):
        rel = p.relative_to(root).as_posix()
        target = _inside(root, rel)
        if target is None or not target.is_file():
            items.append(
                PlannedItem(
                    n,
                    rel,
                    (),
                    problem=(
                        "outside_input",
                        f"{rel}: points outside the input folder or to nothing",
                        f"{rel}: trỏ ra ngoài thư mục đầu vào hoặc không tồn tại",
                    ),
                )
            )
        else:
            items.append(PlannedItem(n, rel, (str(target),)))
    return items


def _read_manifest(path: Path) -> list[dict[str, str]]:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"manifest {path} cannot be read as UTF-8 CSV: {e}", f"không đọc được tệp kê khai {path} (CSV UTF-8): {e}"
        ) from e
    first = raw.splitlines()[0] if raw.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ("\t" if "\t" in first and "," not in first else ",")
    reader = csv.DictReader(io.StringIO(raw), delimiter=delimiter)
    if not reader.fieldnames or "file" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InputError(
            f"manifest {path} has no 'file' column (columns: {', '.join(COLUMNS)})",
            f"tệp kê khai {path} thiếu cột 'file' (các cột: {', '.join(COLUMNS)})",
        )
    rows = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if any(clean.values()):
            rows.append(clean)
    return rows


def from_manifest(root: Path, manifest: Path, doc_types: DocumentTypes) -> tuple[list[PlannedItem], list[str]]:
    """Planned items for each manifest row, and the files in ``root`` the manifest does not list."""
    rows = _read_manifest(manifest)
    items: list[PlannedItem] = []
    listed: set[Path] = set()
    for n, row in enumerate(rows, 1):
        names = [f.strip() for f in row.get("file", "").split("|") if f.strip()]
        label = row.get("file", "") or f"row {n + 1}"
        problem = None
        files: list[str] = []
        if not names:
            problem = ("bad_row", f"manifest row {n + 1} names no file", f"dòng {n + 1} của tệp kê khai không có tệp")
        for name in names:
            target = _inside(root, name)
            if target is None:
                problem = ("outside_input", f"{name}: outside the input folder", f"{name}: nằm ngoài thư mục đầu vào")
                break
            if not target.is_file():
                problem = (
                    "missing_file",
                    f"{name}: no such file in the input folder",
                    f"{name}: không có tệp này trong thư mục đầu vào",
                )
                break
            files.append(str(target))
            listed.add(target)
        declared = Declared()
        if problem is None:
            try:
                declared = _declared(row, doc_types)
            except InvalidCode as e:
                problem = (e.reason_code, str(e), e.vi)
            except InputError as e:
                problem = (e.reason_code, str(e), e.vi)
        # a row rejected for a declared value keeps its files: the quarantine keeps their bytes
        items.append(PlannedItem(n, label, tuple(files), declared, problem))
    unlisted = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p.resolve() != manifest.resolve()
        and p.resolve() not in listed
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    return items, unlisted


def _declared(row: dict[str, str], doc_types: DocumentTypes) -> Declared:
    kind = (row.get("kind") or "result").lower()
    if kind not in ("result", "component"):
        raise InputError(
            f"kind {kind!r} must be 'result' or 'component'", f"loại {kind!r} phải là 'result' hoặc 'component'"
        )
    owner = row.get("owner_id") or None
    if owner:
        owner = validate_owner_id(owner)
    dossier = row.get("dossier") or None
    if dossier:
        validate_dossier_code(dossier)
    procedure = row.get("procedure") or None
    if procedure:
        validate_procedure_code(procedure)
    type_code = (row.get("type") or "").upper() or None
    if type_code and doc_types.get(type_code) is None:
        raise InputError(
            f"type {type_code!r} is not in the document-type catalogue",
            f"loại giấy tờ {type_code!r} không có trong danh mục",
        )
    agency = row.get("agency") or None
    if agency:
        validate_agency_code(agency)
    return Declared(dossier, kind, owner, procedure, type_code, agency)  # type: ignore[arg-type]


def plan_batch(root: Path, manifest: Path | None, doc_types: DocumentTypes) -> tuple[list[PlannedItem], list[str]]:
    root = root.resolve()
    if not root.is_dir():
        raise InputError(f"input folder {root} does not exist", f"thư mục đầu vào {root} không tồn tại")
    if manifest is None and (root / MANIFEST_NAME).is_file():
        manifest = root / MANIFEST_NAME
    if manifest is not None:
        if not manifest.is_file():
            raise InputError(f"manifest {manifest} does not exist", f"tệp kê khai {manifest} không tồn tại")
        return from_manifest(root, manifest, doc_types)
    return discover(root), []
