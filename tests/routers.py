"""Database routers of the test suite."""

from __future__ import annotations

from typing import Any


class PostgresOnlyApps:
    """Keep the test apps' PostgreSQL-only tables (arrays, ranges, hstore) off other backends."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        from django.db import connections

        if connections[db].vendor != "postgresql" and app_label in ("testapp", "catalog"):
            return False
        return None
