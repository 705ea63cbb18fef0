"""The KPI dashboard (``/dashboard`` on the API app) and the quarterly reports, rendered from ``catalog.kpi``."""
