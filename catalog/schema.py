"""The whole catalog schema: every module that defines tables, imported so ``metadata`` is complete.

Only migrations (``catalog/migrations/env.py``) and the schema test need all tables at once; a command that
reads documents imports ``catalog.db`` alone and starts faster for it.
"""

import catalog.accounts
import catalog.apikeys
import catalog.authority
import catalog.batches
import catalog.db
import catalog.kpi_db
import catalog.leases
import catalog.originals
import catalog.outbox
import catalog.owner_keys
import catalog.owners
import catalog.paper_owners
import catalog.quarantine_decisions
import catalog.registered
import catalog.search
import catalog.service_figures
import catalog.warehouse

metadata = catalog.db.Base.metadata

__all__ = ["catalog", "metadata"]
