"""Where things live in the warehouse (documented in the README).

    owners/<owner id>/<doc code>/<doc code>.pdf        signed two-layer PDF/A
    owners/<owner id>/<doc code>/<doc code>.txt        OCR text (UTF-8, NFC)
    owners/<owner id>/<doc code>/<doc code>.json       metadata sidecar (Decree 30 Annex VI fields, checksums)
    owners/<owner id>/<doc code>/original/<NN><ext>    the scans exactly as received
    unassigned/<doc code>/...                          the same, while the owner is not yet known
    dossiers/<dossier code>/<doc code>.json            the dossier's manifest: one entry per document
                                                       (write-once; the dossier's manifest is the listing)
    audits/fixity/<run id>.json                        fixity audit reports

Document codes follow the archive file-name rule of Circular 05/2025/TT-BNV Art. 8:
``<dossier code>.<document ordinal>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OWNER_IN_KEY = re.compile(r"\b(owners/)([^/\s]+)")


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


def document_keys(owner_id: str | None, doc_code: str) -> DocumentKeys:
    prefix = f"owners/{owner_id}/{doc_code}" if owner_id else f"unassigned/{doc_code}"
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
