"""Application configuration: a TOML file named by ``SOHOA_CONFIG``, overridden by ``SOHOA_*`` variables.

Each package owns its frozen section (``OcrConfig``, ``SigningConfig``, ``CatalogConfig``,
``StoreConfig``); this module composes them and fills the embedded defaults under ``SOHOA_HOME``.
Nested settings use ``__`` in variable names, e.g. ``SOHOA_OCR__PDF_DPI=200``. Secrets (the PKCS#12
passphrase, S3 keys) are never read from the file, only from the environment, by the code that needs them.
Building the configuration does no I/O beyond reading that one file.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from archive.config import StoreConfig
from catalog.api.config import ApiConfig
from catalog.codes import CodeTemplates
from catalog.config import CatalogConfig
from ocr.config import OcrConfig
from pipeline.errors import ConfigError
from pipeline.queue_config import QueueConfig
from signing.config import SigningConfig

AGENCY_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_ZONED_SECTIONS = ("catalog", "queue", "signing")


class AppConfig(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SOHOA_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
    )

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
    catalog: CatalogConfig = Field(default_factory=CatalogConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    queue: QueueConfig = Field(default_factory=QueueConfig)

    @model_validator(mode="before")
    @classmethod
    def _one_timezone(cls, data: object) -> object:
        """Give every section the one time zone (an older per-section setting counts when the top one is unset)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)

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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = os.environ.get("SOHOA_CONFIG")
        if path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(path)))
        return tuple(sources)

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
    def catalog_config(self) -> CatalogConfig:
        url = self.catalog_url or f"sqlite:///{self.home_dir / 'catalog.db'}"
        return self.catalog.model_copy(update={"url": url})

    @property
    def store_config(self) -> StoreConfig:
        url = self.store_url or f"file://{self.home_dir / 'warehouse'}"
        return self.store.model_copy(update={"url": url})

    @property
    def templates(self) -> CodeTemplates:
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
