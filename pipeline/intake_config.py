"""Settings of scanner intake (``[intake]``): cutting stacks into documents, and the watched scan folder."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SplitConfig(BaseModel):
    """How a scanned stack is cut into documents (``SOHOA_INTAKE__SPLIT__BLANK_RUN=4`` …)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    """Look at every page of every input file for separator sheets, receipts and blank pages (``batch run
    --no-split`` turns it off for one batch: each file is then one document, as before)."""

    separators: bool = True
    """Separator sheets (``sohoa sheets``) start a new document and are dropped."""

    receipts: bool = True
    """A page carrying a dossier code (QR code, Code 128, or the receipt's printed "Mã hồ sơ") starts that dossier."""

    receipt_text: Literal["all", "first", "off"] = "all"
    """Where a receipt printed without a QR code or barcode is looked for, by reading the one line of a page's top
    third that could be the receipt's title (centred, in the largest letters, located on the image; Tesseract,
    the lines of many pages to a call), then the whole top of the few pages whose title reads as the receipt's
    for its "Mã hồ sơ": ``all`` — every page without a code (a
    code-less receipt anywhere in a stack); ``first`` — only each document's first page (the stack's first page,
    each page after a separator sheet: cheaper, see the README's benchmark); ``off``: codes only."""

    receipt_type: str | None = "GTNHS"
    """The catalogue's type of the reception receipt: a receipt page whose dossier code was read and validated
    is declared of it (archived as that type without review); None: classified from its text like any page."""

    drop_blank: bool = True
    """Drop blank pages (duplex backs) from documents; the original stack keeps them."""

    blank_run: int = Field(default=0, ge=0, le=20)
    """This many blank pages in a row separate documents, for sites without separator sheets (0 = off).
    Duplex scanning: two blank sheets make four blank pages."""

    blank_max_ink: float = Field(default=0.0015, gt=0, lt=0.05)
    """A page whose ink (after specks are removed) covers less than this fraction of it is blank."""

    analysis_dpi: int = Field(default=200, ge=100, le=400)
    """Resolution PDF pages are rendered at to look for codes (images are read at their own)."""


class WatchConfig(BaseModel):
    """The watched scan folder (``sohoa watch DIR``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    settle_s: float = Field(default=10.0, ge=0)
    """A file is taken once its size and modification time have not changed for this long (and it opens and
    parses as a complete scan)."""

    poll_s: float = Field(default=2.0, gt=0)
    """How often the folder is looked at."""

    subfolders: Literal["none", "agency", "dossier", "auto"] = "auto"
    """What a first-level sub-folder's name stands for: an agency code (``000.00.16.H42``), a dossier code, or
    ``auto`` (whichever it is a valid code of; any other name is just a folder)."""

    queue: bool = False
    """Send each file's batch to the workers (needs ``broker_url``) instead of running it in this process."""

    done: Literal["move", "keep"] = "move"
    """After its batch: ``move`` the file to ``<DIR>/_processed/<date>/`` (quarantined ones to
    ``<DIR>/_failed/<date>/``); ``keep`` leaves it in the intake's own folder ``<DIR>/.sohoa/``."""

    ignore: tuple[str, ...] = ("~$*", "*.tmp", "*.part", "*.crdownload", "*.partial", ".*", "Thumbs.db", "desktop.ini")
    """Names never taken: scanners' and SMB copies' temporary files, hidden files."""


class IntakeConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    split: SplitConfig = Field(default_factory=SplitConfig)
    watch: WatchConfig = Field(default_factory=WatchConfig)
