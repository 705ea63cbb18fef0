"""The lookup API: reuse checks, owner documents, signed files, full-text search, health and metrics.

``create_app(cfg)`` builds the FastAPI application; routers of other features are added with
``app.include_router(router, dependencies=[Depends(require_scope("dashboard"))])``.
"""

from catalog.api.app import ApiContext, create_app, get_context
from catalog.api.auth import require_scope

__all__ = ["ApiContext", "create_app", "get_context", "require_scope"]
