"""Run Django's own test classes with every QuerySet they evaluate also streamed and compared.

* A hook on ``QuerySet._fetch_all`` and ``QuerySet._iterator`` (the two places every iteration
  of a QuerySet goes through: ``list()``, ``len()``, ``get()``, ``first()``, ``for``,
  ``iterator()``) takes a clone before the ORM evaluates, lets the ORM evaluate, then streams the
  clone through ``cursor_stream.stream()`` (plus ``stream_batches()`` and ``fetch_page()`` the
  first time a SQL shape is seen) in a fresh event loop on a helper thread, and records any
  difference (:mod:`.compare`).
* asyncpg reads through its own connection, so the data must be committed: test classes run with
  :class:`CommittedData`, i.e. in autocommit. ``setUpTestData()`` runs once per class and again
  only after a test wrote to the database; the tables written since the last reset (seen by an
  execute wrapper on Django's connection) are then emptied with one ``TRUNCATE ... RESTART
  IDENTITY CASCADE``. QuerySets evaluated inside ``atomic()`` (uncommitted rows) are counted,
  not compared.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import pickle
import re
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models.query import QuerySet
from django.test.testcases import TestData

import cursor_stream

from .compare import diff

#: Statements that leave the data as it was.
_READS = re.compile(
    r"\s*(SELECT|WITH|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|SHOW|SET|EXPLAIN|DECLARE|FETCH|CLOSE|"
    r"MOVE|VALUES|\(\s*SELECT)\b",
    re.IGNORECASE,
)
_WRITES = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?([A-Za-z0-9_]+)"?',
    re.IGNORECASE,
)
#: Functions whose value differs from one execution to the next.
_VOLATILE = re.compile(
    r"\b(RANDOM|NOW|CLOCK_TIMESTAMP|STATEMENT_TIMESTAMP|GEN_RANDOM_UUID|UUID_GENERATE_V\d)\s*\(|"
    r"\bCURRENT_(TIMESTAMP|DATE|TIME)\b",
    re.IGNORECASE,
)
#: Tables filled by migrations and post_migrate, never emptied.
_KEEP = frozenset({"django_content_type", "auth_permission", "django_migrations"})
#: Most mismatch records kept per SQL shape.
_PER_SHAPE = 3


@dataclass
class Mismatch:
    test: str
    api: str
    kind: str
    sql: str
    params: str
    detail: str


@dataclass
class ModuleStats:
    module: str
    classes: int = 0
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    compared: int = 0
    #: Comparisons of the same QuerySet yielding another kind of row (see _compare_other_kind).
    derived: int = 0
    shapes: set[str] = field(default_factory=set)
    not_compared: Counter[str] = field(default_factory=Counter)
    mismatches: list[Mismatch] = field(default_factory=list)
    mismatch_count: int = 0
    failing_tests: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "classes": self.classes,
            "tests": self.tests,
            "failures": self.failures,
            "errors": self.errors,
            "skipped": self.skipped,
            "compared": self.compared,
            "shapes": len(self.shapes),
            "derived": self.derived,
            "shapes_by_kind": dict(Counter(s.split(":", 1)[0] for s in self.shapes)),
            "not_compared": dict(self.not_compared),
            "mismatch_count": self.mismatch_count,
            "mismatches": [vars(m) for m in self.mismatches],
            "failing_tests": self.failing_tests,
        }


class Harness:
    """Process-wide state of the differential run (one module at a time)."""

    def __init__(self) -> None:
        self.stats: ModuleStats | None = None
        self.test_id = "?"
        self.busy = threading.local()
        self.dirty: set[str] = set()
        self.dirty_all = False
        self.test_wrote = False
        self.lifted_tables: list[str] = []
        self._per_shape: Counter[str] = Counter()
        #: Queries already compared on the current data (cleared when the data changes).
        self._seen: set[tuple[str, str, int, int]] = set()
        self.epoch = 0
        self._streamer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="stream")

    # ---------------------------------------------------------------- installing the hooks

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        fetch_all, iterator = QuerySet._fetch_all, QuerySet._iterator
        harness = self

        def _fetch_all(qs: QuerySet[Any]) -> None:
            if qs._result_cache is not None or harness.stats is None or harness._is_busy():
                return fetch_all(qs)
            clone = harness.independent(qs)
            fetch_all(qs)
            harness.compare(clone, list(qs._result_cache or ()), "list")

        def _iterator(qs: QuerySet[Any], use_chunked_fetch: bool, chunk_size: int | None) -> Any:
            if harness.stats is None or harness._is_busy():
                yield from iterator(qs, use_chunked_fetch, chunk_size)
                return
            clone = harness.independent(qs)
            rows = []
            finished = False
            try:
                for row in iterator(qs, use_chunked_fetch, chunk_size):
                    rows.append(row)
                    yield row
                finished = True
            finally:
                if not finished:
                    harness.count("iterator() not consumed to the end")
            harness.compare(clone, rows, "iterator")

        aggregate = QuerySet.aggregate

        def _aggregate(qs: QuerySet[Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
            result = aggregate(qs, *args, **kwargs)
            if harness.stats is not None and not harness._is_busy():
                harness.compare_aggregate(qs, args, kwargs, result)
            return result

        connection = connections["default"]
        QuerySet._fetch_all = _fetch_all  # type: ignore[method-assign]
        QuerySet._iterator = _iterator  # type: ignore[method-assign]
        QuerySet.aggregate = _aggregate  # type: ignore[method-assign]
        connection.execute_wrappers.append(self._track_writes)
        try:
            yield
        finally:
            connection.execute_wrappers.remove(self._track_writes)
            QuerySet._fetch_all = fetch_all  # type: ignore[method-assign]
            QuerySet._iterator = iterator  # type: ignore[method-assign]
            QuerySet.aggregate = aggregate  # type: ignore[method-assign]

    def _is_busy(self) -> bool:
        return getattr(self.busy, "on", False)

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Evaluate QuerySets of the harness's own without comparing them."""
        before = self._is_busy()
        self.busy.on = True
        try:
            yield
        finally:
            self.busy.on = before

    def count(self, reason: str) -> None:
        if self.stats is not None:
            self.stats.not_compared[reason] += 1

    # ---------------------------------------------------------------- committed data

    def _track_writes(
        self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
    ) -> Any:
        text = sql if isinstance(sql, str) else str(sql)
        if not _READS.match(text):
            match = _WRITES.match(text)
            if match:
                self.dirty.add(match.group(1))
            else:
                self.dirty_all = True
            self.test_wrote = True
            self.epoch += 1
            self._seen.clear()
        return execute(sql, params, many, context)

    def reset(self) -> None:
        """Empty every table written since the last reset."""
        tables = set(self.lifted_tables) if self.dirty_all else set(self.dirty)
        tables -= _KEEP
        self.dirty.clear()
        self.dirty_all = False
        if not tables:
            return
        quoted = ", ".join(f'"{t}"' for t in sorted(tables))
        connection = connections["default"]
        connection.ensure_connection()
        if connection.in_atomic_block or not connection.get_autocommit():
            # A test left a transaction open (it failed inside atomic()).
            connection.rollback() if not connection.in_atomic_block else None
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        self.dirty.clear()
        self.dirty_all = False

    def load_class_data(self, cls: type) -> None:
        """Run ``setUpTestData()`` (and fixtures) committed, unless still loaded and untouched."""
        if cls.__dict__.get("_harness_loaded"):
            self.test_wrote = False
            return
        self.reset()
        from django.core.management import call_command

        for name in getattr(cls, "fixtures", None) or ():
            call_command("loaddata", name, verbosity=0, database="default")
        setup = getattr(cls, "setUpTestData", None)
        if setup is not None:
            before = cls.__dict__.copy()
            setup()
            for name, value in list(cls.__dict__.items()):
                if value is not before.get(name):
                    setattr(cls, name, TestData(name, value))
        cls._harness_loaded = True  # type: ignore[attr-defined]
        self.test_wrote = False

    def after_test(self, cls: type) -> None:
        if self.test_wrote:
            cls._harness_loaded = False  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- comparing

    def compare(self, clone: QuerySet[Any], orm_rows: list[Any], how: str) -> None:
        stats = self.stats
        assert stats is not None
        with self._quiet():
            try:
                self._compare(stats, clone, orm_rows, how)
            except Exception:
                self._record(
                    stats, "harness", "?", "?", "?", "harness error: " + traceback.format_exc()
                )

    def compare_aggregate(
        self, qs: QuerySet[Any], args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
    ) -> None:
        """Compare the QuerySet equivalent to an ``aggregate()`` call.

        ``aggregate()`` returns a dict, not rows, and cannot be streamed; but on a query that
        neither groups, slices, nor combines, ``values(<constant>).annotate(<aggregates>)``
        runs the same SQL (a constant is never grouped by, so there is no GROUP BY) and yields
        the same dict as its one row. That QuerySet is evaluated by the ORM and compared with
        the stream like any other.
        """
        from django.db.models import Value

        from .compare import canon

        query = qs.query
        if (
            query.is_sliced
            or query.distinct
            or query.combinator
            or query.group_by is not None
            or any(getattr(a, "contains_aggregate", False) for a in query.annotations.values())
        ):
            return self.count("aggregate(): no equivalent QuerySet (grouped, sliced, ...)")
        with self._quiet():
            try:
                aggregates = dict(kwargs)
                for arg in args:
                    aggregates[arg.default_alias] = arg
                derived = (
                    qs.order_by()
                    .values(_django_suite_one=Value(1))
                    .annotate(**aggregates)
                    .values(*aggregates)
                )
                copy = self.independent(derived)
                with _unlogged():
                    rows = list(derived)
            except Exception:
                return self.count("aggregate(): no equivalent QuerySet (the ORM refused it)")
            if [canon(r) for r in rows] != [canon(result)]:
                # On no rows at all (none(), pk__in=[]) the QuerySet yields nothing where
                # aggregate() gives defaults; it is still a QuerySet worth comparing.
                self.count("aggregate(): the QuerySet's rows differ from aggregate() (empty)")
            assert self.stats is not None
            try:
                self._compare(self.stats, copy, rows, "aggregate")
            except Exception:
                self._record(
                    self.stats, "harness", "?", "?", "?", "harness error: " + traceback.format_exc()
                )

    def independent(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """Return a copy of ``qs`` sharing nothing with it.

        ``QuerySet._clone()`` is not enough: a clone shares expressions with its original, and
        compiling a combined query (union() ... order_by() ... values_list()) changes them, so
        that the second compilation of any clone fails (IndexError in
        ``SQLCompiler.get_select()``, Django 5.2). A user streams a QuerySet the ORM has not
        compiled; a pickled copy of the query gives the stream that same start.
        """
        clone = qs._clone()
        # Kept for the few queries Django cannot unpickle faithfully (an ArrayField index
        # transform, field__0=1, loses its output field: KeyError 'ArrayField').
        clone._harness_plain = qs._clone()  # type: ignore[attr-defined]
        with self._quiet():
            try:
                # Not the ``query`` setter: it would turn values_list() into values().
                clone._query = pickle.loads(pickle.dumps(qs.query))
            except Exception:
                self.count("query not picklable: compared through a clone")
        return clone

    def _compare(
        self,
        stats: ModuleStats,
        clone: QuerySet[Any],
        orm_rows: list[Any],
        how: str,
        derive: bool = True,
    ) -> None:
        kind = clone._iterable_class.__name__
        if clone._prefetch_related_lookups:
            return self.count("refused on purpose: prefetch_related()")
        if clone.query.select_for_update:
            return self.count("refused on purpose: select_for_update()")
        if clone.db != "default":
            return self.count(f"other database {clone.db!r}")
        if connections["default"].in_atomic_block:
            return self.count("inside atomic(): rows not committed")
        # Never compiled: the source of fresh copies (see independent()).
        spare = self.independent(clone)
        extras = True
        try:
            # What stream(queryset) does first; the compiled query then serves stream() and
            # stream_batches() (a combined query compiles only once, see independent()).
            compiled = cursor_stream.compile_source(clone)
        except Exception as exc:
            plain = getattr(clone, "_harness_plain", None)
            try:
                if plain is None:
                    raise
                compiled = cursor_stream.compile_source(plain)
            except Exception:
                return self._record(stats, "compile", kind, "", "", _raised(exc))
            # The unpickled copy was at fault, not the package. A clone of a compiled query is
            # no fresh start either: stream() only, no other entry point nor kind of row.
            self.count("unpickled copy did not compile: compared through a clone")
            clone, extras = plain, False
        shape = f"{kind}: {compiled.sql}"
        params = _show_params(compiled.params)
        key = (shape, params, self.epoch, len(orm_rows))
        if key in self._seen:
            # The same query on the same data, already compared in this test class.
            return self.count("repeated query on unchanged data")
        self._seen.add(key)
        first = shape not in stats.shapes
        stats.shapes.add(shape)
        if how == "derived":
            stats.derived += 1
        stats.compared += 1
        ordered = clone.ordered
        try:
            streamed = self._run(_collect(cursor_stream.stream(compiled)))
        except Exception as exc:
            plain = getattr(clone, "_harness_plain", None)
            if plain is None or not extras:
                return self._record(stats, "stream", kind, compiled.sql, params, _raised(exc))
            # Some unpickled queries compile to other SQL than their original (a range
            # __contains with a scalar casts it to the range type instead of the base field,
            # Django 5.2): the original's clone decides whether the package is at fault.
            try:
                compiled = cursor_stream.compile_source(plain)
                streamed = self._run(_collect(cursor_stream.stream(compiled)))
            except Exception:
                return self._record(stats, "stream", kind, compiled.sql, params, _raised(exc))
            self.count("unpickled copy compiled to other SQL: compared through a clone")
            clone, extras = plain, False
        problem = diff(orm_rows, streamed, ordered=ordered)
        if problem == "order":
            problem = self._order_problem(self.independent(spare), streamed)
        if problem and _VOLATILE.search(compiled.sql):
            return self.count("volatile function (random(), now()): rows may differ")
        if problem:
            return self._record(stats, "stream", kind, compiled.sql, params, problem)
        if not first or not extras or how == "derived":
            # Other entry points once per shape, and not again for another kind of row.
            return
        # The other entry points, once per shape: several round trips, and a page.
        if len(orm_rows) >= 3:
            try:
                batches = self._run(
                    _collect_batches(cursor_stream.stream_batches(compiled, prefetch=2))
                )
            except Exception as exc:
                self._record(stats, "stream_batches", kind, compiled.sql, params, _raised(exc))
            else:
                # An unordered query promises its rows, not their order: PostgreSQL may give
                # another order on another run (a UNION's hash aggregate, a parallel scan).
                problem = diff(streamed, batches, ordered=ordered)
                if problem:
                    self._record(stats, "stream_batches", kind, compiled.sql, params, problem)
        if len(orm_rows) >= 2:
            # fetch_page() is given the QuerySet: it compiles it itself, inside the event loop.
            offset, count = (1, 2) if ordered else (0, len(orm_rows) + 1)
            try:
                page = self._run(
                    cursor_stream.fetch_page(self.independent(spare), offset=offset, count=count)
                )
            except Exception as exc:
                self._record(stats, "fetch_page", kind, compiled.sql, params, _raised(exc))
            else:
                problem = diff(streamed[offset : offset + count], page, ordered=ordered)
                if problem:
                    self._record(stats, "fetch_page", kind, compiled.sql, params, problem)
        if derive:
            self._compare_other_kind(stats, spare)

    def _compare_other_kind(self, stats: ModuleStats, spare: QuerySet[Any]) -> None:
        """Compare the same QuerySet yielding another kind of row, once per new shape.

        Instances become dicts (``values()``, new SQL); the values() family keeps its SQL and
        changes only the iterable class, in a cycle that reaches every kind: dicts -> named
        tuples -> tuples -> dicts, and a flat list -> named tuples.
        """
        from django.db.models.query import (
            FlatValuesListIterable,
            ModelIterable,
            NamedValuesListIterable,
            ValuesIterable,
            ValuesListIterable,
        )

        cycle = {
            ValuesIterable: NamedValuesListIterable,
            NamedValuesListIterable: ValuesListIterable,
            ValuesListIterable: ValuesIterable,
            FlatValuesListIterable: NamedValuesListIterable,
        }
        source = spare._iterable_class
        try:
            orm_side, stream_side = self.independent(spare), self.independent(spare)
            if source is ModelIterable:
                if spare.query.combinator:
                    return
                orm_side, stream_side = orm_side.values(), stream_side.values()
            elif source in cycle:
                for qs in (orm_side, stream_side):
                    qs._iterable_class = cycle[source]
            else:
                return
            with _unlogged():
                rows = list(orm_side)
        except Exception:
            return self.count("other kind of row: the ORM refused it")
        self._compare(stats, stream_side, rows, "derived", derive=False)

    def _order_problem(self, clone: QuerySet[Any], streamed: list[Any]) -> str | None:
        """Same rows, another order: a tie in the ORDER BY, or a real difference?

        The stream reads through a server-side cursor, which PostgreSQL may plan differently
        from a plain query (cursor_tuple_fraction): rows that tie on the ordering can then come
        in another order. Django's own ``iterator()`` also reads through a server-side cursor;
        when it gives the stream's order, the difference is a tie.
        """
        with _unlogged():
            again = list(clone.iterator())
        if diff(again, streamed, ordered=True) is None:
            self.count("ordered rows tied: same order as iterator()")
            return None
        return "same rows, another order (and not the order of QuerySet.iterator())"

    def _run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` in a fresh event loop on the helper thread.

        ``cursor_stream.stream()`` compiles the QuerySet when called, here in the test's (sync)
        thread; the helper thread only iterates it, as an async view or command would.
        """
        return self._streamer.submit(asyncio.run, coroutine).result(timeout=120)

    def _record(
        self, stats: ModuleStats, api: str, kind: str, sql: str, params: str, detail: str
    ) -> None:
        stats.mismatch_count += 1
        key = f"{api}:{kind}:{sql}"
        self._per_shape[key] += 1
        if self._per_shape[key] > _PER_SHAPE:
            return
        stats.mismatches.append(Mismatch(self.test_id, api, kind, sql, params, detail))


@contextlib.contextmanager
def _unlogged() -> Iterator[None]:
    """Run the harness's own ORM queries without them counting in a test's assertNumQueries()."""
    log = connections["default"].queries_log
    before = len(log)
    try:
        yield
    finally:
        while len(log) > before:
            log.pop()


async def _collect(aiterable: Any) -> list[Any]:
    return [row async for row in aiterable]


async def _collect_batches(aiterable: Any) -> list[Any]:
    return [row async for batch in aiterable for row in batch]


def _raised(exc: BaseException) -> str:
    return f"stream raised {type(exc).__name__}: {exc}".strip()[:800]


def _show_params(params: tuple[Any, ...]) -> str:
    text = repr(params)
    return text if len(text) < 300 else text[:297] + "..."


HARNESS = Harness()


class CommittedData:
    """Mixed in before a Django test class: its data is committed (see the module docstring).

    ``TestCase`` already knows how to run on a database without transactions (it then loads
    ``setUpTestData()`` before each test); claiming exactly that and taking over the loading and
    the clean-up gives committed data without a full flush after every test.
    """

    @classmethod
    def _databases_support_transactions(cls) -> bool:
        return False

    @classmethod
    def _fixture_setup(cls) -> None:
        HARNESS.load_class_data(cls)

    def _fixture_teardown(self) -> None:
        HARNESS.after_test(type(self))

    def _should_reload_connections(self) -> bool:
        return False

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            super().tearDownClass()  # type: ignore[misc]
        finally:
            cls._harness_loaded = False  # type: ignore[attr-defined]
            HARNESS.reset()
