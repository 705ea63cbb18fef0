"""``sohoa pki``: the signing keys — the demo PKI, what the configured key is, moving a key onto a token."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pipeline.clikit import cli_config, guarded, new_table, out, print_json

pki_app = typer.Typer(help="Khóa ký số / signing keys and the demo PKI", no_args_is_help=True, add_completion=False)


@pki_app.command("init-demo")
@guarded
def init_demo(
    force: Annotated[bool, typer.Option("--force", help="Tạo lại / make a new one (old root stays trusted)")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Tạo PKI thử nghiệm (DEMO) / create the demo root CA, agency signing certificate and TSA."""
    from cryptography import x509

    cfg = cli_config()
    from signing.pki import ensure_demo_pki

    pki = ensure_demo_pki(cfg.pki_dir, cfg.signing.organisation or cfg.agency_name, force=force)
    rows = []
    for role, path in (("root", pki.root_cert), ("signer", pki.signer_cert), ("tsa", pki.tsa_cert)):
        c = x509.load_pem_x509_certificate(path.read_bytes())
        rows.append(
            {"role": role, "file": str(path), "subject": c.subject.rfc4514_string(), "expires": c.not_valid_after_utc}
        )
    if as_json:
        print_json(rows)
        return
    table = new_table(title=f"PKI DEMO — {cfg.pki_dir} (không có giá trị pháp lý / not for production)")
    for col in ("role", "file", "subject", "expires"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["role"], r["file"], r["subject"], r["expires"].date().isoformat())
    out.print(table)


@pki_app.command("show")
@guarded
def show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Khóa ký đang cấu hình / the configured key, level, TSA and trust roots (opens the key: checks the PIN)."""
    cfg = cli_config()
    s = cfg.signing
    from signing.keys import trust_roots
    from signing.sign import build_signer

    signer = build_signer(s, cfg.pki_dir, cfg.agency_name)
    cert = signer.signer.signing_cert
    data = {
        "backend": s.backend,
        "level": s.level,
        "signer": cert.subject.human_friendly,
        "signer_expires": cert.not_valid_after,
        "tsa": s.tsa_url or ("demo (in process)" if s.backend == "demo" else None),
        "trust_roots": [r.subject.human_friendly for r in trust_roots(s, cfg.pki_dir)],
        "retimestamp_window_days": s.retimestamp_window_days,
    }
    if as_json:
        print_json(data)
        return
    table = new_table(show_header=False, title="sohoa pki")
    for k, v in data.items():
        table.add_row(k, "\n".join(v) if isinstance(v, list) else str(v))
    out.print(table)


@pki_app.command("token-import")
@guarded
def token_import(
    p12: Annotated[Path, typer.Argument(help="Tệp PKCS#12 / PKCS#12 file (passphrase in SOHOA_SIGNING_PASSPHRASE)")],
    token: Annotated[str, typer.Option(help="Nhãn thiết bị / token label")],
    label: Annotated[str, typer.Option(help="Nhãn khóa / key and certificate label")],
    module: Annotated[Path | None, typer.Option(help="Thư viện PKCS#11 / PKCS#11 module")] = None,
) -> None:
    """Chép khóa PKCS#12 vào thiết bị ký / move a PKCS#12 key onto a PKCS#11 token (PIN in SOHOA_SIGNING_PIN)."""
    from signing.errors import SignerUnavailable
    from signing.hsm import import_pkcs12
    from signing.keys import PASSPHRASE_ENV, PIN_ENV

    cfg = cli_config()
    pin = os.environ.get(PIN_ENV)
    if not pin:
        raise SignerUnavailable(f"set {PIN_ENV} to the token's user PIN", f"đặt biến {PIN_ENV} là mã PIN của thiết bị")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    import_pkcs12(
        module or cfg.signing.pkcs11_module, token, pin, p12, passphrase.encode() if passphrase else None, label
    )
    out.print(f"Đã nhập / imported: {label} → {token}")
