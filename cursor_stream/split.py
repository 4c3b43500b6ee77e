"""Cut a QuerySet export into key ranges that hold similar numbers of rows.

A parallel export (parallel.py) reads one snapshot through N connections, each the QuerySet
with a range of its ordering key: ``key >= lower AND key < upper``. Concatenated in key order,
the parts are the serial export's rows in the serial export's order, so the key must be what
the export is ordered by, and unique and non-null (every row in exactly one range, one order):
the primary key (the default order) or a ``unique`` non-null column, which PostgreSQL indexes
with a btree, so each part is an index range scan.

The ranges come from a sample of the query's own keys (its filters and joins applied), so that
parts hold similar numbers of rows whatever the key distribution: ``SAMPLE_PAGES`` pages
per part of the model's table are sampled with ``TABLESAMPLE SYSTEM`` (whole pages,
``REPEATABLE`` so that the same snapshot is cut the same way), and the key quantiles of the
matching rows are the boundaries (``percentile_disc``). A smaller table is read whole, and so
is the query's key column when the model's relation is a view or a foreign table, which cannot
be sampled.

Anything else (another order, ``distinct`` on other columns, slices, ``union()``, window
functions, which see the whole result) cannot be cut: :func:`split_plan` says why. See
docs/architecture.md §6.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from .exceptions import CursorStreamError
from .render import quote_literal
from .sql import CompiledQuery, compile_source
from .streaming import Transaction, _translated

logger = logging.getLogger("cursor_stream.parallel")

#: Table pages sampled per part to find the ranges (a page holds tens of rows; the rows of a
#: page often hold neighbouring keys, so it is pages that count).
SAMPLE_PAGES = 1000


class NotSplittable(CursorStreamError):
    """The export cannot be cut into key ranges; the message says why."""


@dataclass(frozen=True)
class SplitPlan:
    """How one QuerySet export is cut (made in sync code, used by the leader)."""

    #: The QuerySet that the export compiles (values_list() of the exported columns).
    queryset: Any = field(repr=False)
    #: The field name of the key in lookups ("pk" or a field's name) and the field itself.
    key: str
    key_field: Any = field(repr=False)
    descending: bool
    alias: str
    #: The keys of a sample of the query's rows (see the module docstring).
    sample: CompiledQuery = field(repr=False)
    #: Every key of the query: what is cut when the model's relation cannot be sampled.
    keys: CompiledQuery | None = field(default=None, repr=False)
    #: The model's relation (quoted), whose kind decides between the two.
    table: str = ""

    def part_queries(self, bounds: list[Any]) -> list[CompiledQuery]:
        """Return the query of each part, in output order, for ascending ``bounds``.

        Sync (it compiles QuerySets): call from a worker thread when an event loop runs.
        """
        edges: list[Any] = [None, *bounds, None]
        queries = []
        for lower, upper in itertools.pairwise(edges):
            lookups = {}
            if lower is not None:
                lookups[f"{self.key}__gte"] = lower
            if upper is not None:
                lookups[f"{self.key}__lt"] = upper
            queries.append(compile_source(self.queryset.filter(**lookups), using=self.alias))
        return queries[::-1] if self.descending else queries


def _ordering(queryset: Any) -> tuple[Any, ...]:
    query = queryset.query
    if query.extra_order_by:
        return tuple(query.extra_order_by)
    if query.order_by:
        return tuple(query.order_by)
    if query.default_ordering:
        return tuple(queryset.model._meta.ordering)
    return ()


def _order_term(term: Any) -> tuple[str, bool] | None:
    """Return (field name, descending) of one ordering term, if it names a field."""
    from django.db.models import F, OrderBy

    if isinstance(term, str):
        if term.startswith("-"):
            return term[1:], True
        return term.lstrip("+"), False
    if isinstance(term, OrderBy) and isinstance(term.expression, F):
        return term.expression.name, term.descending
    if isinstance(term, F):
        return term.name, False
    return None


def split_plan(queryset: Any, *, using: str, parts: int) -> SplitPlan:
    """Return how ``queryset`` (the export's, ordered) is cut into ``parts`` key ranges.

    Raises :class:`NotSplittable` saying why it cannot be.
    """
    from django.core.exceptions import FieldDoesNotExist
    from django.db import connections
    from django.db.models.expressions import RawSQL

    query = queryset.query
    model = queryset.model
    if query.combinator:
        raise NotSplittable(f"it combines QuerySets with {query.combinator}()")
    if query.is_sliced:
        raise NotSplittable("it is sliced (a LIMIT/OFFSET spans the whole result)")
    if any(getattr(a, "contains_over_clause", False) for a in query.annotations.values()):
        raise NotSplittable("it has window functions, which span the whole result")
    ordering = _ordering(queryset)
    terms = [_order_term(t) for t in ordering]
    shown = ", ".join(str(t) for t in ordering) or "nothing (the server's order)"
    if len(terms) != 1 or terms[0] is None or terms[0][0] == "?":
        raise NotSplittable(
            f"it is ordered by {shown}, not by one unique key (the primary key, or a unique "
            "non-null field)"
        )
    name, descending = terms[0]
    try:
        key_field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist:
        raise NotSplittable(
            f"it is ordered by {shown}, and {name!r} is not a field of the model"
        ) from None
    if (
        not getattr(key_field, "concrete", False)
        or getattr(key_field, "column", None) is None
        or not (key_field.primary_key or key_field.unique)
        or key_field.null
        or (key_field.is_relation and name not in ("pk", key_field.attname))
    ):
        raise NotSplittable(
            f"it is ordered by {shown}, and {name!r} is not a unique non-null field (each key "
            "range must hold its rows once, in order)"
        )
    if query.distinct_fields and tuple(query.distinct_fields) != (name,):
        raise NotSplittable("it is distinct() on other fields than its ordering key")
    quote = connections[using].ops.quote_name
    pk = model._meta.pk
    table = quote(model._meta.db_table)
    # Whole pages (SYSTEM), REPEATABLE: the same snapshot is cut the same way. The percentage is
    # computed by the server from the table's current size.
    percent = (
        f"LEAST(100, 100.0 * {SAMPLE_PAGES * parts} / GREATEST(1, pg_relation_size("
        f"{quote_literal(table)}::regclass) / current_setting('block_size')::int))"
    )
    sample_sql = (
        f"SELECT {quote(pk.column)} FROM {table} TABLESAMPLE SYSTEM ({percent}) REPEATABLE (0)"
    )
    keys = queryset.filter(pk__in=RawSQL(sample_sql, ())).order_by().values_list(name, flat=True)
    return SplitPlan(
        queryset=queryset,
        key=name,
        key_field=key_field,
        descending=descending,
        alias=using,
        sample=compile_source(keys, using=using),
        keys=compile_source(queryset.order_by().values_list(name, flat=True), using=using),
        table=table,
    )


async def boundaries(txn: Transaction, plan: SplitPlan, parts: int) -> list[Any]:
    """Return up to ``parts - 1`` ascending key values that cut the query into ``parts``.

    Fewer when the sample holds fewer distinct keys (none for an empty result: one part).
    """
    if parts < 2:
        return []
    fractions = ", ".join(f"{i / parts!r}" for i in range(1, parts))
    sample = plan.sample
    if plan.keys is not None and plan.table:
        # TABLESAMPLE reads tables and materialized views (partitioned tables too); a model on
        # a view or a foreign table is cut from all of its query's keys (one keys-only pass).
        with _translated():
            kind = await txn.connection.fetchval(
                "SELECT relkind FROM pg_class WHERE oid = to_regclass($1)", plan.table
            )
        if kind not in ("r", "m", "p"):
            sample = plan.keys
    sql = (
        f"SELECT (percentile_disc(ARRAY[{fractions}]::float8[]) WITHIN GROUP (ORDER BY k))::text[]"
        f" FROM (\n{sample.sql}\n) AS s(k)"
    )
    stmt = await txn.prepare(sample)
    arguments = await txn.arguments(stmt, sample)
    with _translated(sql):
        texts = await txn.connection.fetchval(sql, *arguments)
    values: list[Any] = []
    for text in texts or ():
        try:
            value = plan.key_field.to_python(text)
        except Exception as exc:  # a key type the field cannot read back from its text
            logger.warning(
                "Key %r cannot be read back from %r (%s): one part.", plan.key, text, exc
            )
            return []
        if not values or value != values[-1]:
            values.append(value)
    return values
