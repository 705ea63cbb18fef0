"""Where things live in the warehouse (documented in the README).

    owners/<owner key>/<doc code>/<doc code>.pdf       signed two-layer PDF/A
    owners/<owner key>/<doc code>/<doc code>.txt       OCR text (UTF-8, NFC)
    owners/<owner key>/<doc code>/<doc code>.json      metadata sidecar (Decree 30 Annex VI fields, checksums)
    owners/<owner key>/<doc code>/original/<NN><ext>   the scans exactly as received
    unassigned/<doc code>/...                          the same, while the owner is not yet known
    dossiers/<dossier code>/<doc code>.json            the dossier's manifest: one entry per document
                                                       (write-once; the dossier's manifest is the listing)
    audits/fixity/<run id>.json                        fixity audit reports

Document codes follow the archive file-name rule of Circular 05/2025/TT-BNV Art. 8:
``<dossier code>.<document ordinal>``.

The **owner key** is opaque: a keyed hash (HMAC-SHA-256, 128 bits in hex) of the owner's ID number under a secret
of the installation, never the ID number itself — object names end up in presigned URLs, S3 access logs, error
messages and backups. The catalog keeps which owner a key stands for (``catalog.owner_keys``). Warehouses written
before issue 23 have ``owners/<ID number>/…``; ``pipeline.keymigration`` moves them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

_OWNER_IN_KEY = re.compile(r"\b(owners/)([^/\s]+)")
_ID_NUMBER = re.compile(r"^\d{9,12}(-\d{3})?$")
"""What an ID number or enterprise code looks like: never a folder name in the warehouse."""
OWNER_KEY_RE = re.compile(r"^[0-9a-f]{32}$")


def owner_key(owner_id: str, secret: bytes) -> str:
    """The opaque folder name of an owner: HMAC-SHA-256 of the ID under ``secret``, first 128 bits in hex."""
    if len(secret) < 16:
        raise ValueError("the owner-key secret must have at least 16 bytes")
    return hmac.new(secret, owner_id.strip().encode(), hashlib.sha256).hexdigest()[:32]


def is_id_number(segment: str) -> bool:
    """Whether a key segment is an ID number or enterprise code (a warehouse written before opaque keys)."""
    return bool(_ID_NUMBER.match(segment))


@dataclass(frozen=True, slots=True)
class DocumentKeys:
    prefix: str
    doc_code: str

    @property
    def pdf(self) -> str:
        return f"{self.prefix}/{self.doc_code}.pdf"

    @property
    def text(self) -> str:
        return f"{self.prefix}/{self.doc_code}.txt"

    @property
    def sidecar(self) -> str:
        return f"{self.prefix}/{self.doc_code}.json"

    def original(self, n: int, ext: str) -> str:
        return f"{self.prefix}/original/{n:02d}{ext}"

    @property
    def validation(self) -> str:
        """The signature validation report of an electronic original, beside it."""
        return f"{self.prefix}/{self.doc_code}.validation.json"

    def page_image(self, n: int) -> str:
        """Page ``n`` (from 1) of an electronic original as an image, for the review screen."""
        return f"{self.prefix}/pages/{n:04d}.jpg"


def document_keys(owner: str | None, doc_code: str) -> DocumentKeys:
    """The keys of a document under its owner's opaque key (``owner_key``), or under ``unassigned/``."""
    if owner and not OWNER_KEY_RE.match(owner):
        raise ValueError("document keys take the owner's opaque key, never an ID number")
    prefix = f"owners/{owner}/{doc_code}" if owner else f"unassigned/{doc_code}"
    return DocumentKeys(prefix, doc_code)


def dossier_entry_key(dossier_code: str, doc_code: str) -> str:
    """A dossier grows one document at a time and the warehouse is write-once, so its manifest is one
    object per document under the dossier code."""
    return f"dossiers/{dossier_code}/{doc_code}.json"


def dossier_prefix(dossier_code: str) -> str:
    return f"dossiers/{dossier_code}/"


def mask_key(key: str) -> str:
    """An object key safe for logs: the owner's ID number masked (``owners/037******589/…``)."""
    return _OWNER_IN_KEY.sub(lambda m: m.group(1) + _masked(m.group(2)), key)


def _masked(owner: str) -> str:
    """The owner part of a key as ``catalog.codes.mask_id`` masks an ID number (``archive`` does not import
    ``catalog``): the first and last three characters kept."""
    return "*" * len(owner) if len(owner) <= 6 else owner[:3] + "*" * (len(owner) - 6) + owner[-3:]
