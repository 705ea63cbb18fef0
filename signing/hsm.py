"""Provision a PKCS#11 token with an agency key and certificate (python-pkcs11).

Agencies normally receive tokens already provisioned by their CA; this is for moving a key that exists
as a PKCS#12 file (or the demo key) into a token or HSM that accepts imported keys, and for the tests
(SoftHSM2). The private key is created non-extractable and sensitive: after import it can only sign.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from signing.errors import SignerUnavailable


def import_key(
    module: Path,
    token_label: str,
    pin: str,
    key: rsa.RSAPrivateKey,
    cert_der: bytes,
    label: str,
    *,
    chain_der: tuple[bytes, ...] = (),
    key_id: bytes = b"\x01",
) -> None:
    """Write ``key`` (RSA) and its certificate under ``label`` on the token, plus the CA certificates."""
    import pkcs11
    import pkcs11.exceptions
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignerUnavailable("only RSA keys can be imported", "chỉ nhập được khóa RSA")
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    try:
        token = pkcs11.lib(str(module)).get_token(token_label=token_label)
        try:
            session = token.open(rw=True, user_pin=pin)
        except pkcs11.exceptions.UserAlreadyLoggedIn:  # this process already signs with the token
            session = token.open(rw=True)
        with session:
            attrs = decode_rsa_private_key(der)
            attrs.update(
                {
                    Attribute.LABEL: label,
                    Attribute.ID: key_id,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True,
                    Attribute.DECRYPT: False,
                    Attribute.UNWRAP: False,
                }
            )
            session.create_object(attrs)
            for n, c in enumerate((cert_der, *chain_der)):
                cert = decode_x509_certificate(c)
                cert.update(
                    {
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.TOKEN: True,
                        Attribute.LABEL: label if n == 0 else f"{label}-ca{n}",
                        Attribute.ID: key_id if n == 0 else key_id + bytes([n]),
                    }
                )
                session.create_object(cert)
    except Exception as e:
        raise SignerUnavailable(
            f"cannot import into token {token_label!r}: {type(e).__name__}: {e}",
            f"không nhập được khóa vào thiết bị {token_label!r}: {type(e).__name__}: {e}",
        ) from e


def import_pkcs12(module: Path, token_label: str, pin: str, p12: Path, passphrase: bytes | None, label: str) -> None:
    """Move the key, certificate and CA certificates of a PKCS#12 file onto a token."""
    key, cert, extra = pkcs12.load_key_and_certificates(p12.read_bytes(), passphrase)
    if key is None or cert is None:
        raise SignerUnavailable(f"{p12} holds no key and certificate", f"{p12} không chứa khóa và chứng thư")
    der = serialization.Encoding.DER
    import_key(
        module,
        token_label,
        pin,
        key,
        cert.public_bytes(der),
        label,
        chain_der=tuple(c.public_bytes(der) for c in extra),
    )
