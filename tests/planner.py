"""The planner's row estimate of a QuerySet, asked through Django's own connection."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection


def planner_rows(queryset: Any) -> int:
    """Return ``EXPLAIN``'s "Plan Rows" for ``queryset`` (what row estimates must show)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
