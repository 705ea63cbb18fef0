"""``create_app(cfg)``: the web application ``sohoa serve`` runs — the lookup API, the KPI dashboard and the
clerk's workspace (``/workspace``, issue 21).

This is where the catalog and the object store meet the web layer: the catalog is opened from the
configuration, the store is opened on first use by the file route, and the dashboard is mounted beside the
API. Tests and benchmarks may pass the catalog, store and document types in directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from archive.store import ObjectStore
    from catalog.db import Catalog
    from catalog.types import DocumentTypes
    from pipeline.config import AppConfig


def create_app(
    cfg: AppConfig,
    *,
    catalog: Catalog | None = None,
    store: ObjectStore | None = None,
    doc_types: DocumentTypes | None = None,
    workspace_secret: bytes | None = None,
) -> FastAPI:
    from archive.store import open_store
    from catalog.api.app import ApiContext, build_app, get_context
    from catalog.api.auth import require_scope
    from catalog.dashboard.router import dashboard_router
    from catalog.db import Catalog
    from catalog.types import default_document_types

    national = None
    if cfg.sync.enabled and cfg.sync.national_lookup:
        from pipeline.sync.national import NationalLookup
        from pipeline.sync.rest import RestConnector

        national = NationalLookup(RestConnector(cfg.sync), cfg.sync)
    owns = catalog is None
    if catalog is None:
        catalog = Catalog(cfg.catalog_config.url, read_pool_size=cfg.api.db_connections)  # type: ignore[arg-type]
    ctx = ApiContext.make(
        cfg.api,
        catalog,
        doc_types or default_document_types(),
        cfg.timezone,
        store=store,
        store_opener=lambda: open_store(cfg.store_config),
        national=national,
        owns_catalog=owns,
    )
    app = build_app(ctx)
    app.include_router(  # /dashboard: an API key with the 'dashboard' scope in the header, or the login form
        dashboard_router(
            lambda r: get_context(r).catalog,
            header_auth=require_scope("dashboard"),
            targets_file=cfg.kpi_targets,
            timezone=cfg.timezone,
            # a session takes from the key's own rate, as a request with the key header does
            rate_limit=lambda key: ctx.limiter.take(key.id, key.rate_per_minute),
        )
    )
    from pipeline.workspace.batch_start import Launcher
    from pipeline.workspace.core import Workspace
    from pipeline.workspace.retry import Retrier
    from pipeline.workspace.router import install_workspace

    oidc = None
    if cfg.workspace.oidc_issuer:  # the province's single sign-on, beside passwords
        from pipeline.workspace.oidc import OidcClient

        oidc = OidcClient.from_config(cfg.workspace)
    install_workspace(
        app,
        Workspace(
            get_catalog=lambda r: get_context(r).catalog,
            get_ctx=get_context,
            timezone=cfg.timezone,
            templates_cfg=cfg.templates,
            quarantine_dir=cfg.quarantine_dir,
            retry=Retrier(cfg),
            launcher=Launcher(cfg),
            oidc=oidc,
            session_hours=cfg.workspace.session_hours,
            secret=workspace_secret,
        ),
    )
    return app
