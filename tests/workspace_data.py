"""Data for the workspace tests: accounts of every role in two offices of one province (and one office of
another), and documents waiting for review with a signed-PDF stand-in (a rendered page) in a local store and the
word boxes of their fields."""

from __future__ import annotations

import hashlib
import io
import re

from PIL import Image, ImageDraw, ImageFont

from catalog.accounts import add_account
from catalog.batches import add_planned_item, finish_item
from catalog.db import Catalog
from catalog.status import Status

OFFICE = "000.00.16.H42"  # the reviewers' office
OTHER = "000.00.17.H42"  # another office of the same province
ELSEWHERE = "000.00.16.H43"  # an office of another province
PASSWORD = "mat-khau-dai-1"
GOOD_ID = "037203012345"  # Ninh Bình, born 2003, male
ACCOUNTS = {
    "clerk.a": ("clerk", OFFICE),
    "reviewer.a": ("reviewer", OFFICE),
    "reviewer.b": ("reviewer", OTHER),
    "super.h42": ("supervisor", OFFICE),
    "admin": ("admin", OFFICE),
}
FONT = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"
_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


def add_accounts(catalog: Catalog) -> None:
    for name, (role, agency) in ACCOUNTS.items():
        add_account(
            catalog, name, role=role, agency=agency, password=PASSWORD, display_name=name.title(), created_by="test"
        )


def page_pdf(lines: list[str]) -> tuple[bytes, list[tuple[str, tuple[int, int, int, int]]], tuple[int, int]]:
    """A one-page PDF with these lines, the box (pixels) of each line's last half (the value), and the page size."""
    w, h = 850, 1100
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype(FONT, 28)
    except OSError:
        font = ImageFont.load_default()
    boxes = []
    y = 120
    for line in lines:
        label, _, value = line.partition(": ")
        draw.text((80, y), label + ": ", fill="black", font=font)
        x = 80 + int(draw.textlength(label + ": ", font=font))
        draw.text((x, y), value, fill="black", font=font)
        boxes.append((value, (x, y, int(draw.textlength(value, font=font)), 34)))
        y += 70
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=100.0)
    return buf.getvalue(), boxes, (w, h)


def add_waiting(
    catalog: Catalog, store, n: int, *, agency: str = OFFICE, name: str = "Nguyễn Thị My", owner: str = GOOD_ID
) -> str:
    """A birth certificate waiting for review (its name doubted); returns its key."""
    key = hashlib.sha256(f"ws-{n}".encode()).hexdigest()
    b = catalog.begin_batch("clerk.a", agency, "/in", batch_id=f"B-ws-{n}")
    catalog.claim(
        key, holder="seed", batch_id=b, input_name=f"{n}.png", agency=agency, operator="clerk.a", kind="result",
        procedure=None,
    )  # fmt: skip
    pdf, boxes, (w, h) = page_pdf(
        [f"Họ và tên: {name.upper()}", "Ngày sinh: 01/02/2003", f"Số định danh: {owner}", "Ngày cấp: 01/03/2003"]
    )
    pdf_key = f"test/{key}.pdf"
    obj = store.put(pdf_key, pdf, content_type="application/pdf")

    def frac(i: int) -> list[list[float]]:
        _, (x, y, bw, bh) = boxes[i]
        return [[1, x / w, y / h, bw / w, bh / h]]

    code = f"{agency}-261121-{n:04d}.01"
    item = add_planned_item(catalog, b, 1, f"{n}.png", {"files": [f"/in/{n}.png"]})
    finish_item(catalog, item, status=Status.NEEDS_REVIEW, doc_key=key, pages=1)
    catalog.update_document(
        key,
        status=Status.NEEDS_REVIEW,
        doc_code=code,
        type_code="GKS",
        type_name="Giấy khai sinh",
        type_confidence=0.55,
        type_candidates=[["GKS", 0.55], ["TLKS", 0.3]],
        owner_id=owner,
        review_reasons=["field_uncertain: full_name (ocr_word_confidence 61)"],
        fields={
            "full_name": {"value": name, "confidence": 0.45, "problem": "ocr_word_confidence 61", "boxes": frac(0)},
            "date_of_birth": {"value": "2003-02-01", "confidence": 0.93, "boxes": frac(1)},
            "id_number": {"value": owner, "confidence": 0.95, "boxes": frac(2)},
            "issue_date": {"value": "2003-03-01", "confidence": 0.9, "boxes": frac(3)},
        },
        text=f"GIẤY KHAI SINH\nHọ và tên: {name.upper()}\nNgày sinh: 01/02/2003\nSố định danh: {owner}",
        pages=1,
        pdf_key=pdf_key,
        pdf_sha256=obj.sha256,
        signed_at=None,
    )
    return key


def csrf_token(client, page: str = "/workspace/login") -> str:
    r = client.get(page)
    m = _TOKEN.search(r.text)
    assert m, f"no CSRF token on {page}"
    return m.group(1)


def login(client, name: str, password: str = PASSWORD, **kw):
    data = {"name": name, "password": password, "csrf": csrf_token(client), "next": "/workspace"}
    return client.post("/workspace/login", data=data, **kw)


def add_wrong_split(catalog: Catalog, folder, *, agency: str = OFFICE) -> tuple[str, list[str]]:
    """A three-page stack (a birth certificate of two pages, then a residence confirmation) cut wrongly by the
    splitter into pages 1 | 2–3, both documents waiting for review; returns the batch id and the two keys."""
    from pathlib import Path

    pages = [
        ["Họ và tên: NGUYỄN VĂN AN", "Ngày sinh: 01/02/2003", f"Số định danh: {GOOD_ID}"],
        ["Nơi sinh: Hoa Lư, Ninh Bình", "Ngày cấp: 01/03/2003"],
        ["Xác nhận thông tin về cư trú", f"Số định danh: {GOOD_ID}", "Nơi thường trú: Hoa Lư"],
    ]
    images = []
    for lines in pages:
        img = Image.new("RGB", (850, 1100), "white")
        draw = ImageDraw.Draw(img)
        try:
            font = ImageFont.truetype(FONT, 28)
        except OSError:
            font = ImageFont.load_default()
        for i, line in enumerate(lines):
            draw.text((80, 120 + 70 * i), line, fill="black", font=font)
        images.append(img)
    path = Path(folder) / "xap.pdf"
    images[0].save(path, format="PDF", resolution=100.0, save_all=True, append_images=images[1:])
    b = catalog.begin_batch("clerk.a", agency, str(folder), batch_id="B-stack")
    keys = []
    for part, (name, zero) in enumerate((("xap.pdf#p1", [0]), ("xap.pdf#p2-3", [1, 2])), 1):
        key = hashlib.sha256(f"stack-{part}".encode()).hexdigest()
        catalog.claim(
            key, holder="seed", batch_id=b, input_name=name, agency=agency, operator="clerk.a", kind="result",
            procedure=None,
        )  # fmt: skip
        stack = {"input": "xap.pdf", "part": part, "parts": 2, "pages_total": 3, "dropped": [],
                 "started_by": "start" if part == 1 else "blank_run", "receipt": False}  # fmt: skip
        plan = {"files": [str(path)], "declared": {}, "problem": None, "pages_hint": len(zero), "pages": zero,
                "stack": stack}  # fmt: skip
        item = add_planned_item(catalog, b, part, name, plan)
        finish_item(catalog, item, status=Status.NEEDS_REVIEW, doc_key=key, pages=len(zero))
        catalog.update_document(
            key,
            status=Status.NEEDS_REVIEW,
            doc_code=f"{agency}-261121-09{part:02d}.01",
            type_code="GKS" if part == 1 else "XNCT",
            type_name="Giấy khai sinh" if part == 1 else "Xác nhận cư trú",
            type_confidence=0.6,
            review_reasons=["split_uncertain: blank_run"],
            fields={},
            pages=len(zero),
        )
        keys.append(key)
    return b, keys
