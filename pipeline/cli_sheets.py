"""``sohoa sheets OUT.pdf``: print separator sheets (``pipeline.sheets``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import err, guarded, out


@guarded
def sheets_cmd(
    output: Annotated[Path, typer.Argument(help="Tệp PDF để in / PDF file to print")],
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Tờ 'tài liệu mới loại X' (mã trong danh mục, lặp lại được)")
    ] = None,
    dossiers: Annotated[
        list[str] | None, typer.Option("--dossier", help="Tờ 'hồ sơ mới MÃ' / new dossier CODE")
    ] = None,
    copies: Annotated[int, typer.Option(min=1, max=50, help="Số bản mỗi tờ / copies of each sheet")] = 1,
) -> None:
    """In tờ phân cách (mã QR): tài liệu mới, tài liệu mới loại X, hồ sơ mới, kết thúc xấp. / Print separator
    sheets: new document, new document of type X, new dossier CODE, end of stack."""
    from catalog.codes import validate_dossier_code
    from catalog.types import default_document_types
    from pipeline.errors import InputError
    from pipeline.sheets import Sheet, write_sheets

    doc_types = default_document_types()
    sheets: list[tuple[Sheet, str | None]] = [(Sheet("doc"), None)]
    for code in types or []:
        t = doc_types.get(code.upper())
        if t is None:
            raise InputError(
                f"type {code!r} is not in the document-type catalogue (sohoa types)",
                f"loại giấy tờ {code!r} không có trong danh mục (sohoa types)",
            )
        sheets.append((Sheet("doc", type_code=t.code), t.name_vi))
    for code in dossiers or []:
        sheets.append((Sheet("dossier", dossier=validate_dossier_code(code.strip())), None))
    sheets.append((Sheet("end"), None))
    write_sheets(output, [s for s in sheets for _ in range(copies)])
    err.print(f"{len(sheets) * copies} tờ / sheets — in một mặt, đúng cỡ 100 % / print single-sided at 100 % scale")
    out.print(str(output))
