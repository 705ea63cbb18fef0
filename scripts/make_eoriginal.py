#!/usr/bin/env python3
"""Add an electronic original to the demo's scans: a born-digital birth extract signed by the demo PKI.

    python scripts/make_eoriginal.py OUT_DIR

Writes OUT_DIR/e-trich-luc-khai-sinh.pdf: a PDF whose text is in the file (no OCR needed), signed with a
signature timestamp by the demo signer of ``$SOHOA_HOME/pki`` (made if missing). ``sohoa batch run`` keeps it byte
for byte as the paper's file, validates its signature (the demo PKI is trusted in demo mode) and archives it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.samplegen.born_digital import born_digital_pdf

NAME = "e-trich-luc-khai-sinh.pdf"
# The demo's electronic birth extract (its owner's ID number is a made-up one of the demo's province).
EXTRACT = [
    "UBND XÃ KHÁNH AN",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "TRÍCH LỤC KHAI SINH (BẢN ĐIỆN TỬ)",
    "Họ, chữ đệm, tên: PHẠM MINH KHÔI",
    "Ngày, tháng, năm sinh: 05/09/2021",
    "Giới tính: Nam Dân tộc: Kinh Quốc tịch: Việt Nam",
    "Nơi sinh: Bệnh viện đa khoa huyện Yên Khánh, tỉnh Ninh Bình",
    "Số định danh cá nhân: 037221006318",
    "Họ, chữ đệm, tên người mẹ: ĐỖ THỊ THU",
    "Họ, chữ đệm, tên người cha: PHẠM VĂN HẢI",
    "Nơi đăng ký khai sinh: Ủy ban nhân dân xã Khánh An, huyện Yên Khánh, tỉnh Ninh Bình",
    "Ngày, tháng, năm đăng ký: 15/09/2021",
    "Khánh An, ngày 15 tháng 09 năm 2021",
]


def main(out: Path) -> int:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from pipeline.config import load_config
    from signing.pki import ensure_demo_pki

    cfg = load_config()
    pki = ensure_demo_pki(cfg.pki_dir, cfg.signing.organisation or cfg.agency_name)
    signer = signers.SimpleSigner.load(str(pki.signer_key), str(pki.signer_cert), ca_chain_files=(str(pki.root_cert),))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Trích lục bản điện tử / electronic extract",
    )
    w = IncrementalPdfFileWriter(io.BytesIO(born_digital_pdf([EXTRACT])))
    data = signers.PdfSigner(meta, signer=signer, timestamper=pki.timestamper()).sign_pdf(w).getvalue()
    out.mkdir(parents=True, exist_ok=True)
    (out / NAME).write_bytes(data)
    print(f"{out / NAME}: bản gốc điện tử đã ký / a signed electronic original")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
