"""Application configuration: a TOML file named by ``SOHOA_CONFIG``, overridden by ``SOHOA_*`` variables.

Each package owns its frozen section (``OcrConfig``, ``SigningConfig``, ``CatalogConfig``,
``StoreConfig``); this module composes them and fills the embedded defaults under ``SOHOA_HOME``.
Nested settings use ``__`` in variable names, e.g. ``SOHOA_OCR__PDF_DPI=200``. Secrets (the PKCS#12
passphrase, S3 keys) are never read from the file, only from the environment, by the code that needs them.
Building the configuration does no I/O beyond reading that one file.

Precedence, highest first: values given to ``AppConfig(...)``, ``SOHOA_*`` variables, the TOML file; sections
are merged key by key. Variables are read here rather than through pydantic-settings: importing it costs
0.1 s of CPU (asyncio and its cloud providers), a quarter of what a command may take to start (issue 16), for
what these forty lines do. Names are case-insensitive; a value that starts with ``[`` or ``{`` is JSON.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from archive.config import StoreConfig
from catalog.api.config import ApiConfig
from catalog.config import CatalogConfig
from ocr.config import OcrConfig
from pipeline.errors import ConfigError
from pipeline.intake_config import IntakeConfig
from pipeline.queue_config import QueueConfig
from pipeline.sync.config import SyncConfig
from signing.config import SigningConfig, TrustConfig

if TYPE_CHECKING:
    from catalog.codes import CodeTemplates

AGENCY_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_ZONED_SECTIONS = ("catalog", "queue", "signing")
ENV_PREFIX = "SOHOA_"
NESTED = "__"


def _deep_merge(low: Mapping[str, Any], high: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(low)
    for k, v in high.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def _env_value(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value


def environment_settings(fields: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``SOHOA_*`` variables that name a setting, as nested data (``SOHOA_OCR__PDF_DPI`` → ``ocr.pdf_dpi``);
    other ``SOHOA_*`` variables (``SOHOA_CONFIG``, the secrets) are not settings and are left alone."""
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.upper().startswith(ENV_PREFIX):
            continue
        path = name[len(ENV_PREFIX) :].lower().split(NESTED)
        if path[0] not in fields or not all(path):
            continue
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = _env_value(value)
    return out


def file_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The TOML file named by ``SOHOA_CONFIG`` (none: no settings)."""
    path = environ.get("SOHOA_CONFIG")
    if not path:
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: {e}") from e


class BackupConfig(BaseModel):
    """The nightly catalog backup (``sohoa nightly backup``; ``SOHOA_BACKUP__DIR``, ``SOHOA_BACKUP__KEEP``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dir: Path | None = None
    """Folder of the nightly backups; default ``<home>/backups`` (put it on other media than the database)."""

    keep: int = Field(default=7, ge=1)
    """Backups kept; older ones are removed after a new one is complete."""


class WorkspaceConfig(BaseModel):
    """The clerk's workspace (``/workspace`` of ``sohoa serve``; ``SOHOA_WORKSPACE__…``). Its session secret is
    ``SOHOA_WORKSPACE_SECRET`` and the single sign-on client's secret ``SOHOA_OIDC_CLIENT_SECRET`` (environment
    only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_hours: float = Field(default=10.0, gt=0, le=24 * 7)
    """How long a login lasts (a working day and some)."""

    oidc_issuer: str | None = None
    """The province's single sign-on (OpenID Connect) issuer URL, e.g. ``https://sso.ninhbinh.gov.vn/realms/cb``;
    unset: password logins only. Its metadata is read from ``<issuer>/.well-known/openid-configuration``."""

    oidc_client_id: str | None = None
    """The workspace's client ID at the provider."""

    oidc_redirect_url: str | None = None
    """The callback URL registered at the provider; default ``<this server>/workspace/login/sso/callback``."""

    oidc_scopes: str = "openid profile"

    intake_dir: Path | None = None
    """Folder of the offices' scan folders a clerk may start a batch on from the workspace:
    ``<intake_dir>/<agency code>/`` and its first-level sub-folders (the batch list offers those of the clerk's
    office, never a path typed in); default ``<home>/intake``."""

    upload_mb: int = Field(default=200, ge=1, le=4096)
    """Largest upload (all files together) a clerk may start a batch with, in MB; the files are kept under
    ``<home>/uploads/<agency>/``."""


class AppConfig(BaseModel):
    # Each setting's docstring documents it in the source; pydantic is not asked to copy them into the fields
    # (``use_attribute_docstrings`` reads the source of every section at start: 17 ms of every command).
    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path = Path("sohoa-data")
    """Folder of the embedded defaults: catalog.db, warehouse/, pki/, work/, quarantine/."""

    catalog_url: str | None = None
    """SQLAlchemy URL of the catalog; default ``sqlite:///<home>/catalog.db``."""

    store_url: str | None = None
    """Object store URL; default ``file://<home>/warehouse``."""

    broker_url: str | None = None
    """dramatiq broker (``redis://…`` or ``amqp://…``); unset = in-process."""

    agency: str = "000.00.00.H42"
    """Electronic ID code of this office (QĐ 20/2020/QĐ-TTg), used in dossier codes."""

    agency_name: str = "Trung tâm Phục vụ hành chính công tỉnh Ninh Bình"
    """Name of this office, shown in signatures and metadata."""

    operator: str | None = None
    """Default operator ID for batches (else the login name)."""

    log_level: str = "WARNING"

    timezone: str = DEFAULT_TIMEZONE
    """The one time zone of the installation (``SOHOA_TIMEZONE``): the day in dossier codes, the signing time
    shown on signatures, KPI periods, validity checks, the nightly schedule. Each section that needs it gets
    this value; the older ``[catalog] timezone`` / ``[queue] timezone`` are read as this setting."""

    kpi_targets: Path | None = None
    """TOML file of the plan's KPI targets; default the bundled ``catalog/data/kpi.toml``."""

    ocr: OcrConfig = Field(default_factory=OcrConfig)
    signing: SigningConfig = Field(default_factory=SigningConfig)
    trust: TrustConfig = Field(default_factory=TrustConfig)
    """``[trust]``: the roots and intermediates whose signatures on electronic originals are accepted."""
    catalog: CatalogConfig = Field(default_factory=CatalogConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    queue: QueueConfig = Field(default_factory=QueueConfig)
    sync: SyncConfig = Field(default_factory=SyncConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)
    workspace: WorkspaceConfig = Field(default_factory=WorkspaceConfig)
    intake: IntakeConfig = Field(default_factory=IntakeConfig)

    @model_validator(mode="before")
    @classmethod
    def _sources(cls, data: object) -> object:
        """The file and the environment under what was given, then the one time zone given to every section
        (an older per-section setting counts when the top one is unset)."""
        if not isinstance(data, dict):
            return data
        environ = os.environ
        data = _deep_merge(
            _deep_merge(file_settings(environ), environment_settings(cls.model_fields, environ)), dict(data)
        )

        def section_tz(name: str) -> str | None:
            sec = data.get(name)
            tz = sec.get("timezone") if isinstance(sec, dict) else getattr(sec, "timezone", None)
            return tz if isinstance(tz, str) and tz != DEFAULT_TIMEZONE else None

        tz = data.get("timezone") or section_tz("queue") or section_tz("catalog") or DEFAULT_TIMEZONE
        data["timezone"] = tz
        for name in _ZONED_SECTIONS:
            sec = data.get(name)
            if sec is None:
                data[name] = {"timezone": tz}
            elif isinstance(sec, dict):
                data[name] = {**sec, "timezone": tz}
            elif isinstance(sec, BaseModel):
                data[name] = sec.model_copy(update={"timezone": tz})
        return data

    @field_validator("agency")
    @classmethod
    def _agency_code(cls, v: str) -> str:
        if not AGENCY_RE.match(v):
            raise ValueError(f"agency code {v!r} is not of the form 000.00.00.H42")
        return v

    # --- derived places and sections -------------------------------------------------------------
    @cached_property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def pki_dir(self) -> Path:
        return self.home_dir / "pki"

    @property
    def work_dir(self) -> Path:
        return self.home_dir / "work"

    @property
    def quarantine_dir(self) -> Path:
        return self.home_dir / "quarantine"

    @property
    def backup_dir(self) -> Path:
        return (self.backup.dir or self.home_dir / "backups").expanduser().resolve()

    @property
    def catalog_config(self) -> CatalogConfig:
        url = self.catalog_url or f"sqlite:///{self.home_dir / 'catalog.db'}"
        return self.catalog.model_copy(update={"url": url})

    @property
    def store_config(self) -> StoreConfig:
        url = self.store_url or f"file://{self.home_dir / 'warehouse'}"
        return self.store.model_copy(update={"url": url})

    @property
    def templates(self) -> CodeTemplates:
        from catalog.codes import CodeTemplates

        c = self.catalog
        return CodeTemplates(c.dossier_template, c.document_template, c.paper_template)


def load_config(**overrides: object) -> AppConfig:
    """Load once per entry point; raise ConfigError with every problem listed."""
    path = os.environ.get("SOHOA_CONFIG")
    if path and not Path(path).is_file():
        raise ConfigError(
            f"SOHOA_CONFIG names {path}, which does not exist", f"SOHOA_CONFIG trỏ tới {path} nhưng tệp không tồn tại"
        )
    try:
        return AppConfig(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise ConfigError(f"invalid configuration: {problems}", f"cấu hình không hợp lệ: {problems}") from e
