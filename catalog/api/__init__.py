"""The lookup API: reuse checks, owner documents, signed files, full-text search, health and metrics.

``build_app(ctx)`` builds the FastAPI application over an ``ApiContext`` (``pipeline.web.create_app`` makes
both from the configuration and adds the dashboard); routers of other features are added with
``app.include_router(router, dependencies=[Depends(require_scope("dashboard"))])``.

The names are imported lazily: ``catalog.api.config`` is read by every command's configuration, and
importing FastAPI and prometheus_client there would slow every command down and fix prometheus_client's
value class before ``sohoa worker`` has chosen its multiprocess folder.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ApiContext": "catalog.api.app",
    "build_app": "catalog.api.app",
    "get_context": "catalog.api.app",
    "require_scope": "catalog.api.auth",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'catalog.api' has no attribute {name!r}")
