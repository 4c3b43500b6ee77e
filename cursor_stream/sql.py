"""QuerySet or SQL -> :class:`CompiledQuery`: asyncpg SQL, adapted parameters and a row builder.

Compilation is synchronous and happens before any event loop work (docs/architecture.md §2):
only the frozen :class:`CompiledQuery` crosses into async code.

* QuerySets are compiled with the compiler of the alias they run on
  (``query.get_compiler(using=alias).as_sql()``; never ``sql_with_params()``, which is wired to
  the default alias).
* Django writes psycopg-style ``%s`` placeholders and doubles literal percent signs; asyncpg wants
  ``$1``. :func:`rewrite_placeholders` tokenises the SQL so that string literals, quoted
  identifiers, dollar-quoted bodies and comments are never mistaken for placeholders.
* Django (through psycopg's client-side binding) sends parameters as typed literals, so
  ``SELECT %s`` with ``5`` is an integer. asyncpg sends bound parameters whose type the server
  infers from context, where an unadorned ``$1`` in a select list is ``text``. We therefore cast
  each placeholder to the type psycopg would have given the literal (``$1::int4``); ``str`` and
  ``None`` stay untyped, exactly like psycopg's quoted literals.
* Rows are shaped the way the QuerySet's iterable class would shape them (model instances through
  ``Model.from_db``, dicts, tuples, named tuples, scalars), with the fields' converters applied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import SynchronousOnlyOperation

from .exceptions import CompileError
from .params import Param, adapt_param, unwrap
from .parity import ValueProfile
from .sqltext import split_sql

#: asyncpg (and the protocol) accept at most this many bind parameters per statement.
MAX_PARAMS = 32767

#: ``IN (...)`` lists at least this long are sent as one array parameter (``= ANY($n)``).
IN_LIST_AS_ARRAY = 100

RowBuilder = Callable[[Sequence[Any]], list[Any]]

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """A result column: its name (the field path for QuerySets) and PostgreSQL type name."""

    name: str
    type: str = ""


@dataclass(frozen=True)
class CompiledQuery:
    """A query ready for asyncpg: SQL with ``$n`` placeholders, parameters, and a row builder."""

    sql: str
    params: tuple[Any, ...]
    alias: str
    #: Column names the caller knows (field paths for QuerySets); None: take the server's names.
    names: tuple[str, ...] | None = None
    #: Turns a batch of asyncpg records into what the QuerySet iterator would yield; None: records.
    build_rows: RowBuilder | None = field(default=None, compare=False, repr=False)
    #: The QuerySet can match no row (``filter(pk__in=[])``, ``none()``): nothing is executed.
    empty: bool = False
    #: Number of leading columns the caller sees (Django may append ordering columns).
    col_count: int | None = None
    #: True when built from a QuerySet (the export layer can then trust ``names``).
    from_queryset: bool = False
    #: How Django's connection loads values (QuerySets only): rows are made to match it.
    values: ValueProfile | None = field(default=None, compare=False, repr=False)


# --------------------------------------------------------------------------------------------
# Placeholders


# One regex pass over each code segment. A long ``IN (%s, %s, ...)`` list is matched whole (and
# sent as one array parameter); otherwise ``%%``, ``%s`` and ``%(name)s`` one at a time. psycopg
# 3's ``%t``/``%b`` (a value sent in text or binary format) are placeholders like ``%s`` here:
# asyncpg picks each type's format itself.
_PLACEHOLDERS = re.compile(
    r"(?P<in>\b(?P<not>NOT\s+)?IN\s*\(\s*%s(?:\s*,\s*%s){" + str(IN_LIST_AS_ARRAY - 1) + r",}\s*\))"
    r"|(?P<percent>%%)|(?P<positional>%[sbt])|(?P<named>%\((?P<key>[^)]*)\)[sbt])",
    re.IGNORECASE,
)


def rewrite_placeholders(
    sql: str, params: Sequence[Any] | Mapping[str, Any] | None, *, arrays: bool = True
) -> tuple[str, tuple[Any, ...]]:
    """Rewrite psycopg placeholders (``%s``, ``%(name)s``, ``%%``) to asyncpg's ``$n``.

    Literals (``'...'``, ``E'...'``, ``$tag$...$tag$``), quoted identifiers and comments are copied
    unchanged (:func:`~cursor_stream.sqltext.split_sql`), except that ``%%`` becomes ``%`` in
    literals and identifiers too, as psycopg does. Without parameters (``params is None``) the
    SQL is returned untouched, as ``cursor.execute(sql)`` would send it. Long
    ``IN (%s, %s, ...)`` lists become ``= ANY($n)`` with one array parameter, so that more than
    32,767 values can be passed (``arrays=False`` keeps one parameter per value).
    """
    if params is None:
        return sql, ()
    named = isinstance(params, Mapping)
    positional = [] if named else list(params)
    mapping: Mapping[str, Any] = params if named else {}  # type: ignore[assignment]
    new_params: list[Any] = []
    named_index: dict[str, int] = {}
    used = 0  # positional parameters consumed
    saw_placeholder = False

    seen: dict[Any, int] = {}

    def bind(value: Any) -> str:
        param = adapt_param(value)
        # Equal values share one placeholder, as their literals would read the same: Django
        # repeats an expression in GROUP BY, and PostgreSQL only sees "GREATEST(x, $1)" and
        # "GREATEST(x, $2)" as the same expression when the placeholders are.
        key = _param_key(param)
        if key is not None and key in seen:
            return f"${seen[key]}{param.cast}"
        new_params.append(param)
        if key is not None:
            seen[key] = len(new_params)
        return f"${len(new_params)}{param.cast}"

    def take(count: int) -> list[Any]:
        nonlocal used
        if used + count > len(positional):
            raise CompileError(
                f"The SQL has more %s placeholders than the {len(positional)} parameters given."
            )
        values = positional[used : used + count]
        used += count
        return values

    def replace(match: re.Match[str]) -> str:
        nonlocal saw_placeholder
        kind = match.lastgroup
        if kind == "percent":
            return "%"
        if kind == "named" or match.group("named"):
            if not named:
                return match.group()
            key = match.group("key")
            if key not in mapping:
                raise CompileError(f"The SQL uses the parameter %({key})s, which was not given.")
            saw_placeholder = True
            if key not in named_index:
                bind(mapping[key])
                named_index[key] = len(new_params)
            number = named_index[key]
            return f"${number}{new_params[number - 1].cast}"
        if named:
            return match.group()
        saw_placeholder = True
        if kind == "positional":
            return bind(take(1)[0])
        # A long IN list.
        text = match.group()
        count = text.count("%s")
        values = take(count)
        array = _as_array(values) if arrays else None
        if array is None:
            # Mixed or NULL values: keep the list, one parameter per value.
            return re.sub("%s", lambda _m: bind(values.pop(0)), text)
        head = "<> ALL(" if match.group("not") else "= ANY("
        return f"{head}{bind(array)})"

    out: list[str] = []
    for kind, text in split_sql(sql):
        if kind == "code":
            out.append(_PLACEHOLDERS.sub(replace, text))
        elif kind in ("string", "ident"):
            out.append(text.replace("%%", "%"))
        else:
            out.append(text)

    if not named and used != len(positional):
        if not saw_placeholder:
            # Native asyncpg placeholders ($1, $2): pass the SQL through unchanged.
            return sql, tuple(adapt_param(p).value for p in positional)
        raise CompileError(
            f"The SQL has {used} %s placeholders but {len(positional)} parameters were given."
        )
    if len(new_params) > MAX_PARAMS:
        raise CompileError(
            f"The query needs {len(new_params)} parameters; PostgreSQL accepts at most "
            f"{MAX_PARAMS} per statement. Filter on a subquery instead of a long literal list."
        )
    return "".join(out), tuple(p.value for p in new_params)


def _param_key(param: Param) -> Any:
    """Return a key equal only for interchangeable parameters (None: never shared)."""
    value = param.value
    # Untyped values (text, NULL) never: the server types each occurrence from its context, and
    # one placeholder used in two contexts would need two types.
    if not param.cast or isinstance(value, (list, dict)):
        return None
    try:
        hash(value)
    except TypeError:
        return None
    # Type and cast too: 1 == 1.0 == True, and '5' may be typed differently in two places.
    return (type(value), param.cast, value)


def _as_array(values: list[Any]) -> Param | None:
    """Return ``values`` as one array parameter, or None when they cannot be one."""
    if any(v is None for v in values) or len({type(v) for v in values}) != 1:
        return None
    if isinstance(values[0], (list, tuple, dict)):
        return None
    items = [unwrap(v) for v in values]
    # An untyped array lets the server infer its type from the column; integers get an explicit
    # type, as psycopg would give their literals.
    if isinstance(values[0], int) and not isinstance(values[0], bool):
        return Param(items, "::int8[]")
    return Param(items)


# --------------------------------------------------------------------------------------------
# QuerySets


def strip_trailing_semicolons(sql: str) -> str:
    """Drop the ``;`` that end a statement (only whitespace and comments may follow them).

    A trailing semicolon is harmless on its own but breaks the query once the exports wrap it
    (``SELECT ... FROM (<sql>) AS q``).
    """
    segments = list(split_sql(sql))
    for index in range(len(segments) - 1, -1, -1):
        kind, text = segments[index]
        if kind == "comment":
            continue
        if kind != "code":
            break
        body = text.rstrip(" \t\r\n;")
        segments[index] = (kind, body + text[len(body) :].replace(";", ""))
        if body:
            break
    return "".join(text for _kind, text in segments)


def compile_sql(
    sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None, *, using: str
) -> CompiledQuery:
    """Compile a raw SQL string with psycopg-style (or native ``$n``) parameters."""
    if not isinstance(sql, str) or not sql.strip():
        raise CompileError(f"Expected a QuerySet or a non-empty SQL string, got {sql!r}.")
    sql = strip_trailing_semicolons(sql)
    text, values = rewrite_placeholders(sql, params)
    return CompiledQuery(sql=text, params=values, alias=using)


def compile_queryset(queryset: Any, *, using: str | None = None) -> CompiledQuery:
    """Compile a QuerySet for the alias it runs on (or ``using``) into a :class:`CompiledQuery`."""

    from .connection import resolve_alias

    if queryset._prefetch_related_lookups:
        raise CompileError(
            "prefetch_related() cannot be streamed: it loads related rows for the whole result "
            "at once. Use select_related() or values('relation__field') instead."
        )
    if queryset.query.select_for_update:
        raise CompileError(
            "select_for_update() cannot be streamed: exports run in read-only transactions."
        )
    alias = resolve_alias(using or queryset.db)
    profile = ValueProfile.for_alias(alias)
    try:
        return _compile(queryset, alias, profile)
    except SynchronousOnlyOperation:
        pass
    # Compiling asked Django's own connection something (JSONObject and friends read the server
    # version, a cached property that opens a connection): not allowed on an event loop's thread.
    # Learn it once from a worker thread; later compiles in async code then need no database.
    _learn_server_version(alias)
    try:
        return _compile(queryset, alias, profile)
    except SynchronousOnlyOperation:
        return _in_thread(lambda: _compile(queryset, alias, profile))


def _compile(queryset: Any, alias: str, profile: ValueProfile) -> CompiledQuery:
    from django.core.exceptions import EmptyResultSet, FieldError
    from django.db import NotSupportedError

    _prefill_server_version(alias)
    # Compiling changes the query (combined queries ordered by an expression get an ordering
    # column added to what they select): work on a copy, never on the caller's QuerySet.
    queryset = queryset.all()
    # Read the result's names before compiling, as Django's iterables do: they must not include
    # the columns compilation adds.
    names = _names_before_compile(queryset)
    compiler = queryset.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return CompiledQuery(
            sql="",
            params=(),
            alias=alias,
            names=names or _model_names(compiler),
            empty=True,
            build_rows=_row_builder(queryset, compiler, alias, names),
            from_queryset=True,
            values=profile,
        )
    except (FieldError, NotSupportedError, TypeError, ValueError) as exc:
        raise CompileError(f"The QuerySet cannot be compiled to SQL: {exc}") from None
    text, values = rewrite_placeholders(sql, params)
    return CompiledQuery(
        sql=text,
        params=values,
        alias=alias,
        names=names or _model_names(compiler),
        build_rows=_row_builder(queryset, compiler, alias, names),
        col_count=compiler.col_count if compiler.has_extra_select else None,
        from_queryset=True,
        values=profile,
    )


#: Server versions (``server_version_num``) learnt per alias, for compiling in async code.
_server_versions: dict[str, int] = {}


def _prefill_server_version(alias: str) -> None:
    """Give Django's connection the server version learnt earlier, if it lacks one.

    ``DatabaseWrapper.pg_version`` is a cached property (so it lives in the instance's
    ``__dict__``) that Django computes by connecting; setting the same value spares that
    connection, which async code may not open.
    """
    from django.db import connections

    version = _server_versions.get(alias)
    if version is not None:
        wrapper = connections[alias]
        wrapper.__dict__.setdefault("pg_version", version)


def _learn_server_version(alias: str) -> None:
    from django.db import connections

    def learn() -> int:
        try:
            return int(connections[alias].pg_version)
        finally:
            connections[alias].close()

    _server_versions[alias] = _in_thread(learn)


def _in_thread(function: Callable[[], T]) -> T:
    """Return ``function()`` run in a new thread (from a thread whose event loop is running).

    Django refuses database access on an event loop's thread (SynchronousOnlyOperation); the
    caller is blocked meanwhile, which only happens the first time for an alias.
    """
    import threading

    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="cursor_stream-compile")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _value_names(queryset: Any) -> list[str]:
    query = queryset.query
    selected = getattr(query, "selected", None)
    if selected:
        return list(selected)
    return [*query.extra_select, *query.values_select, *query.annotation_select]


def _names_before_compile(queryset: Any) -> tuple[str, ...] | None:
    """Return the column names of a values()/values_list() QuerySet (None for models)."""
    from django.db.models.query import NamedValuesListIterable

    if not issubclass(queryset._iterable_class, _values_iterables()):
        return None
    if queryset._fields and issubclass(queryset._iterable_class, NamedValuesListIterable):
        return tuple(queryset._fields)
    return tuple(_value_names(queryset))


def _model_names(compiler: Any) -> tuple[str, ...]:
    """Return the attribute names of a model QuerySet's columns (after compiling)."""
    klass_info = compiler.klass_info
    names: list[str] = []
    if klass_info and compiler.select:
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [s[0].target.attname for s in compiler.select[start:end]]
    names += list(compiler.annotation_col_map or ())
    return tuple(names)


def _values_iterables() -> tuple[type, ...]:
    from django.db.models.query import (
        FlatValuesListIterable,
        NamedValuesListIterable,
        ValuesIterable,
        ValuesListIterable,
    )

    return (ValuesIterable, ValuesListIterable, NamedValuesListIterable, FlatValuesListIterable)


def _row_builder(
    queryset: Any, compiler: Any, alias: str, names: tuple[str, ...] | None
) -> RowBuilder:
    """Return a function shaping a batch of records like the QuerySet's iterable class does."""
    from django.db.models.query import (
        FlatValuesListIterable,
        ModelIterable,
        NamedValuesListIterable,
        ValuesIterable,
        ValuesListIterable,
    )
    from django.db.models.utils import create_namedtuple_class

    iterable = queryset._iterable_class
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)
    col_count = compiler.col_count if compiler.has_extra_select else None

    # Slicing an asyncpg Record returns a tuple, about twice as fast as tuple(record); it also
    # drops the ordering columns Django may append (col_count).
    cut = slice(None, col_count)

    composite = compiler.has_composite_fields(fields)

    def convert(batch: Sequence[Any]) -> list[Any]:
        rows: Any = [r[cut] for r in batch]
        if not converters and not composite:
            return rows  # type: ignore[no-any-return]
        if converters:
            rows = compiler.apply_converters(rows, converters)
        if composite:
            # Composite primary keys (Django 5.2) are yielded as tuples of their columns.
            rows = compiler.composite_fields_to_tuples(rows, fields)
        return [tuple(r) for r in rows]

    if iterable is ValuesIterable:
        keys = list(names or ())
        indexes = range(len(keys))

        def build_dicts(batch: Sequence[Any]) -> list[Any]:
            return [{keys[i]: row[i] for i in indexes} for row in convert(batch)]

        return build_dicts
    if iterable is FlatValuesListIterable:

        def build_flat(batch: Sequence[Any]) -> list[Any]:
            return [row[0] for row in convert(batch)]

        return build_flat
    if iterable is NamedValuesListIterable:
        tuple_class = create_namedtuple_class(*(names or ()))
        new = tuple.__new__

        def build_named(batch: Sequence[Any]) -> list[Any]:
            return [new(tuple_class, row) for row in convert(batch)]

        return build_named
    if iterable is ValuesListIterable:
        return convert
    if iterable is ModelIterable or issubclass(iterable, ModelIterable):
        return _model_builder(queryset, compiler, alias, convert)
    raise CompileError(
        f"QuerySets iterated by {iterable.__name__} cannot be streamed; use a model QuerySet, "
        "values() or values_list()."
    )


def _model_builder(queryset: Any, compiler: Any, alias: str, convert: RowBuilder) -> RowBuilder:
    """Mirror ``ModelIterable.__iter__`` (Django 5.2 to 6.1) for a batch of rows."""
    import operator

    from django.db.models import query as query_module

    select, klass_info, annotation_col_map = (
        compiler.select,
        compiler.klass_info,
        compiler.annotation_col_map,
    )
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    # Django 6.1 added fetch modes (QuerySet.fetch_mode()); earlier versions have none.
    fetch_mode = getattr(queryset, "_fetch_mode", None)
    if fetch_mode is not None:
        from_db = query_module._get_from_db(model_cls, fetch_mode)
        related_populators = query_module.get_related_populators(
            klass_info, select, alias, fetch_mode
        )
        track_peers = bool(getattr(fetch_mode, "track_peers", False))
    else:
        from_db = model_cls.from_db
        related_populators = query_module.get_related_populators(klass_info, select, alias)
        track_peers = False
    known_related_objects = []
    for fld, related_objs in queryset._known_related_objects.items():
        attnames = [
            fld.attname
            if from_field == "self"
            else queryset.model._meta.get_field(from_field).attname
            for from_field in fld.from_fields
        ]
        known_related_objects.append((fld, related_objs, attnames, operator.attrgetter(*attnames)))

    def build_models(batch: Sequence[Any]) -> list[Any]:
        import weakref

        objs = []
        # With FETCH_PEERS, Django links every instance of one iteration; a stream links the
        # instances of one batch, so that memory stays bounded.
        peers: list[Any] = []
        for row in convert(batch):
            obj = from_db(alias, init_list, row[start:end])
            if track_peers:
                peers.append(weakref.ref(obj))
                obj._state.peers = peers
            for populator in related_populators:
                populator.populate(row, obj)
            if annotation_col_map:
                for attr_name, col_pos in annotation_col_map.items():
                    setattr(obj, attr_name, row[col_pos])
            for fld, rel_objs, rel_attnames, rel_getter in known_related_objects:
                if fld.is_cached(obj):
                    continue
                if any(attname not in obj.__dict__ for attname in rel_attnames):
                    continue
                rel_obj = rel_objs.get(rel_getter(obj))
                if rel_obj is not None:
                    setattr(obj, fld.name, rel_obj)
            objs.append(obj)
        return objs

    return build_models


def compile_source(
    source: Any,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    *,
    using: str | None = None,
) -> CompiledQuery:
    """Compile a QuerySet, a raw SQL string or an already compiled query."""
    from django.db.models.query import QuerySet

    from .connection import resolve_alias

    if isinstance(source, CompiledQuery):
        return source
    if isinstance(source, QuerySet):
        if params is not None:
            raise CompileError("params can only be given with a raw SQL string, not a QuerySet.")
        return compile_queryset(source, using=using)
    if isinstance(source, str):
        return compile_sql(source, params, using=resolve_alias(using))
    raise CompileError(
        f"Expected a QuerySet or a SQL string to stream, got {type(source).__name__}: {source!r}."
    )
