"""Resumable exports: one snapshot read in primary-key ranges, with a checkpoint after each.

A background export of a model ordered by its (integer) primary key, in a line format (csv,
tsv, pgtext, jsonl) without gzip, into a local storage, runs as consecutive key ranges of
``JOBS_CHECKPOINT_ROWS`` rows: ``pk > lo AND pk <= hi``, each range a COPY (or cursor) of its
own, all in one transaction, so that the output is byte for byte that of a single export of
the same snapshot. After each range the partial file is synced and the job records a checkpoint
(the last key, rows, bytes, file size). A worker that takes the job over continues after the
checkpoint's key, in a new (newer) snapshot, and the job records at which row that happened.

The ranges are found in the export's own snapshot (keyset pagination, see "Pagination Done the
Right Way", Markus Winand, use-the-index-luke.com): the key that ends the next range is the
largest of the next N keys. The QuerySet is compiled once, in sync code, with two sentinel
bounds whose parameters are replaced for each range (no compilation on the event loop).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from ..description import ExportDescription, build_queryset, filter_errors
from ..export import ExportStats, PreparedExport, default_ordering, prepare_export
from ..sql import CompiledQuery, compile_source
from ..streaming import Transaction

#: Formats whose output is the plain concatenation of its rows' (after a header line).
RESUMABLE_FORMATS = ("csv", "tsv", "pgtext", "jsonl")

_INTEGER_KEYS = ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField")
#: Bounds no table holds (integers below any key PostgreSQL's sequences hand out).
_LOW, _HIGH = -7_316_584_912_345_601, -7_316_584_912_345_602
#: Upper bound of the last range: the largest bigint.
_MAX_KEY = 2**63 - 1


@dataclass(frozen=True)
class Checkpoint:
    """Sent down the chunk stream after each key range: where a resumed run would continue."""

    pk: int
    rows: int
    bytes: int


@dataclass(frozen=True)
class SegmentedExport:
    """A resumable export: the ranged export, its key query, and where its bounds sit."""

    prepared: PreparedExport
    keys: CompiledQuery
    low: int
    high: int

    def ranged(self, lo: int, hi: int, *, header: bool) -> PreparedExport:
        params = list(self.prepared.compiled.params)
        params[self.low], params[self.high] = lo, hi
        compiled = dataclasses.replace(self.prepared.compiled, params=tuple(params))
        options = self.prepared.options
        if not header:
            options = dataclasses.replace(options, header=False, bom=False)
        return dataclasses.replace(self.prepared, compiled=compiled, options=options)

    async def achunks(
        self, stats: ExportStats, *, every: int, after: int | None
    ) -> AsyncGenerator[bytes | Checkpoint, None]:
        """Yield the export's bytes and a :class:`Checkpoint` after each key range.

        ``stats`` counts the rows and bytes of this run; ``after`` is the key of the checkpoint
        a resumed run continues from (None: from the start, with the header).
        """
        prepared = self.prepared
        n = len(self.keys.params)
        boundary = (
            f"SELECT max(k), count(*) FROM (SELECT k FROM (\n{self.keys.sql}\n) AS s(k) "
            f"WHERE k > ${n + 1} ORDER BY k LIMIT {int(every)}) AS t"
        )
        lo = after if after is not None else -_MAX_KEY - 1
        first = after is None
        async with Transaction(prepared.connect_params, prepared.stream_options) as txn:
            conn = txn.connection
            stats.estimated_rows = await _estimate(conn, self.keys)
            while True:
                hi, count = await conn.fetchrow(boundary, *self.keys.params, lo)
                last = count < every
                if count == 0 and not first:
                    break
                part = self.ranged(lo, _MAX_KEY if last else hi, header=first)
                part_stats = ExportStats()
                rows, size = stats.rows, stats.bytes
                async for chunk in part.achunks(stats=part_stats, transaction=txn):
                    stats.rows, stats.bytes = rows + part_stats.rows, size + part_stats.bytes
                    yield chunk
                stats.rows, stats.bytes = rows + part_stats.rows, size + part_stats.bytes
                first = False
                if last:
                    break
                lo = hi
                yield Checkpoint(pk=hi, rows=stats.rows, bytes=stats.bytes)


async def _estimate(conn: Any, keys: CompiledQuery) -> int | None:
    try:
        plan = await conn.fetchval("EXPLAIN (FORMAT JSON) " + keys.sql, *keys.params)
        return int(json.loads(plan)[0]["Plan"]["Plan Rows"])
    except Exception:  # an estimate is a nicety
        return None


def segmented(description: ExportDescription, *, local: bool) -> SegmentedExport | None:
    """Return the resumable form of ``description``'s export, or None if it must restart.

    Resumable: a model (or admin) export ordered by an integer primary key (given, or the
    default order of an export of a model without ``Meta.ordering``), csv/tsv/pgtext/jsonl
    without gzip, offset, limit or several jobs, into a local storage (whose partial file
    survives).
    """
    if (
        not local
        or description.sql is not None
        or description.gzip
        or description.options.format not in RESUMABLE_FORMATS
    ):
        return None
    queryset, fields, options = build_queryset(description)
    if options.offset or options.limit is not None or options.jobs > 1:
        # Several jobs: the parallel export (one snapshot read through several connections)
        # is asked for, and restarts from zero on a take-over.
        return None
    queryset = default_ordering(queryset)
    pk = queryset.model._meta.pk
    if pk.get_internal_type() not in _INTEGER_KEYS:
        return None
    query = queryset.query
    order = tuple(query.order_by) or (
        tuple(queryset.model._meta.ordering) if query.default_ordering else ()
    )
    if order not in (("pk",), (pk.name,), (pk.attname,)):
        return None
    with filter_errors():
        prepared = prepare_export(
            queryset.filter(pk__gt=_LOW, pk__lte=_HIGH),
            fields=fields,
            using=description.database,
            options=options,
        )
        keys = compile_source(
            queryset.order_by().values_list("pk", flat=True), None, using=prepared.alias
        )
    params = list(prepared.compiled.params)
    if params.count(_LOW) != 1 or params.count(_HIGH) != 1:
        return None  # the bounds did not come out as plain parameters: restart instead
    return SegmentedExport(prepared, keys, params.index(_LOW), params.index(_HIGH))
