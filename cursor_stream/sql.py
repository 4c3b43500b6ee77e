"""QuerySet or SQL -> :class:`CompiledQuery`: asyncpg SQL, adapted parameters and a row builder.

Compilation is synchronous and happens before any event loop work (DESIGN section 2): only the
frozen :class:`CompiledQuery` crosses into async code.

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

import datetime
import decimal
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .exceptions import CompileError

#: asyncpg (and the protocol) accept at most this many bind parameters per statement.
MAX_PARAMS = 32767

#: ``IN (...)`` lists at least this long are sent as one array parameter (``= ANY($n)``).
IN_LIST_AS_ARRAY = 100

RowBuilder = Callable[[Sequence[Any]], list[Any]]


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


# --------------------------------------------------------------------------------------------
# Placeholders


class _TypedArray(list[Any]):
    """A list parameter that carries its SQL array cast."""

    def __init__(self, values: Iterable[Any], cast: str) -> None:
        super().__init__(values)
        self.cast = cast


def _cast_for(value: Any) -> str:
    """Return the ``::type`` psycopg's literal for ``value`` would carry ('' when untyped)."""
    if isinstance(value, _TypedArray):
        return value.cast
    if value is None or isinstance(value, str):
        return ""
    if isinstance(value, bool):
        return "::bool"
    if isinstance(value, int):
        if -(2**31) <= value < 2**31:
            return "::int4"
        if -(2**63) <= value < 2**63:
            return "::int8"
        return "::numeric"
    if isinstance(value, float):
        return "::float8"
    if isinstance(value, decimal.Decimal):
        return "::numeric"
    if isinstance(value, datetime.datetime):
        return "::timestamptz" if value.tzinfo is not None else "::timestamp"
    if isinstance(value, datetime.date):
        return "::date"
    if isinstance(value, datetime.time):
        return "::timetz" if value.tzinfo is not None else "::time"
    if isinstance(value, datetime.timedelta):
        return "::interval"
    if isinstance(value, uuid.UUID):
        return "::uuid"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "::bytea"
    if isinstance(value, _JsonParam):
        return "::jsonb" if value.binary else "::json"
    return ""


@dataclass(frozen=True)
class _JsonParam:
    text: str
    binary: bool


def adapt_param(value: Any) -> Any:
    """Turn a parameter Django prepared for psycopg into one asyncpg can encode."""
    if isinstance(value, _TypedArray):
        return value
    module = type(value).__module__
    if module.startswith("psycopg"):
        name = type(value).__name__
        if name in ("Jsonb", "Json"):
            dumps = getattr(value, "dumps", None) or json.dumps
            return _JsonParam(dumps(value.obj), binary=name == "Jsonb")
        if name.endswith("Range"):
            import asyncpg

            if value.isempty:
                return asyncpg.Range(empty=True)
            return asyncpg.Range(
                value.lower,
                value.upper,
                lower_inc=value.lower_inc,
                upper_inc=value.upper_inc,
            )
    if isinstance(value, tuple):
        return [adapt_param(v) for v in value]
    if isinstance(value, list):
        return [adapt_param(v) for v in value]
    return value


def _finish_param(value: Any) -> Any:
    return value.text if isinstance(value, _JsonParam) else value


def _is_ident_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"


def rewrite_placeholders(
    sql: str, params: Sequence[Any] | Mapping[str, Any] | None
) -> tuple[str, tuple[Any, ...]]:
    """Rewrite psycopg placeholders (``%s``, ``%(name)s``, ``%%``) to asyncpg's ``$n``.

    Literals (``'...'``, ``E'...'``, ``$tag$...$tag$``), quoted identifiers and comments are copied
    unchanged, except that ``%%`` becomes ``%`` everywhere, as psycopg does. Without parameters
    (``params is None``) the SQL is returned untouched, as ``cursor.execute(sql)`` would send it.
    Long ``IN (%s, %s, ...)`` lists become ``= ANY($n)`` with one array parameter, so that more
    than 32,767 values can be passed.
    """
    if params is None:
        return sql, ()
    named = isinstance(params, Mapping)
    positional = list(params) if not named else []
    mapping: Mapping[str, Any] = params if named else {}  # type: ignore[assignment]
    out: list[str] = []
    new_params: list[Any] = []
    named_index: dict[str, int] = {}
    next_positional = 0
    i, n = 0, len(sql)
    saw_placeholder = False

    def placeholder(value: Any, key: str | None = None) -> str:
        if key is not None and key in named_index:
            number = named_index[key]
            value = new_params[number - 1]
            return f"${number}{_cast_for(value)}"
        value = adapt_param(value)
        new_params.append(value)
        if key is not None:
            named_index[key] = len(new_params)
        return f"${len(new_params)}{_cast_for(value)}"

    while i < n:
        ch = sql[i]
        if ch == "%":
            nxt = sql[i + 1] if i + 1 < n else ""
            if nxt == "%":
                out.append("%")
                i += 2
                continue
            if nxt == "s" and not named:
                if next_positional >= len(positional):
                    raise CompileError(
                        f"The SQL has more %s placeholders than the {len(positional)} "
                        "parameters given."
                    )
                saw_placeholder = True
                # Collapse a long IN list into one array parameter (see docstring).
                collapsed = _try_collapse_in_list(sql, i, out, positional, next_positional)
                if collapsed is not None:
                    end, count, values = collapsed
                    out.append(placeholder(values))
                    next_positional += count
                    i = end
                    continue
                out.append(placeholder(positional[next_positional]))
                next_positional += 1
                i += 2
                continue
            if nxt == "(" and named:
                close = sql.find(")s", i + 2)
                if close == -1:
                    raise CompileError(f"Malformed named placeholder at position {i} of the SQL.")
                key = sql[i + 2 : close]
                if key not in mapping:
                    raise CompileError(
                        f"The SQL uses the parameter %({key})s, which was not given."
                    )
                saw_placeholder = True
                out.append(placeholder(mapping[key], key))
                i = close + 2
                continue
            out.append(ch)
            i += 1
            continue
        if ch == "'":
            escape = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _is_ident_char(sql[i - 2]))
            end = _end_of_string(sql, i, backslash_escapes=escape)
            out.append(sql[i:end].replace("%%", "%"))
            i = end
            continue
        if ch == '"':
            end = sql.find('"', i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == '"':
                end = sql.find('"', end + 2)
            end = n if end == -1 else end + 1
            out.append(sql[i:end].replace("%%", "%"))
            i = end
            continue
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end])
            i = end
            continue
        if ch == "/" and sql.startswith("/*", i):
            end = _end_of_block_comment(sql, i)
            out.append(sql[i:end])
            i = end
            continue
        if ch == "$" and (i == 0 or not _is_ident_char(sql[i - 1])):
            tag_end = sql.find("$", i + 1)
            tag = sql[i : tag_end + 1] if tag_end != -1 else ""
            if (
                tag
                and all(_is_ident_char(c) and c != "$" for c in tag[1:-1])
                and not (tag[1:-1][:1].isdigit())
            ):
                end = sql.find(tag, tag_end + 1)
                end = n if end == -1 else end + len(tag)
                out.append(sql[i:end])
                i = end
                continue
        out.append(ch)
        i += 1

    if not named and next_positional != len(positional):
        if not saw_placeholder:
            # Native asyncpg placeholders ($1, $2): pass the SQL through unchanged.
            return sql, tuple(_finish_param(adapt_param(p)) for p in positional)
        raise CompileError(
            f"The SQL has {next_positional} %s placeholders but {len(positional)} parameters "
            "were given."
        )
    if len(new_params) > MAX_PARAMS:
        raise CompileError(
            f"The query needs {len(new_params)} parameters; PostgreSQL accepts at most "
            f"{MAX_PARAMS} per statement. Filter on a subquery instead of a long literal list."
        )
    return "".join(out), tuple(_finish_param(p) for p in new_params)


def _end_of_string(sql: str, start: int, *, backslash_escapes: bool) -> int:
    i, n = start + 1, len(sql)
    while i < n:
        ch = sql[i]
        if backslash_escapes and ch == "\\":
            i += 2
            continue
        if ch == "'":
            if i + 1 < n and sql[i + 1] == "'":
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _end_of_block_comment(sql: str, start: int) -> int:
    depth, i, n = 0, start, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def _try_collapse_in_list(
    sql: str, at: int, out: list[str], positional: list[Any], first: int
) -> tuple[int, int, list[Any]] | None:
    """If ``sql[at:]`` starts a long ``IN (%s, %s, ...)`` list, rewrite it to ``= ANY(...)``."""
    prefix = "".join(out[-12:]).rstrip()
    if not prefix.endswith("("):
        return None
    before = prefix[:-1].rstrip()
    upper = before.upper()
    if upper.endswith(" NOT IN") or upper.endswith(")NOT IN"):
        operator, keyword_len = "<> ALL(", len("NOT IN")
    elif upper.endswith(" IN") or upper.endswith(")IN"):
        operator, keyword_len = "= ANY(", len("IN")
    else:
        return None
    count, i, n = 0, at, len(sql)
    while True:
        if not sql.startswith("%s", i):
            return None
        count += 1
        i += 2
        while i < n and sql[i] == " ":
            i += 1
        if i < n and sql[i] == ",":
            i += 1
            while i < n and sql[i] == " ":
                i += 1
            continue
        if i < n and sql[i] == ")":
            break
        return None
    values = positional[first : first + count]
    if count < IN_LIST_AS_ARRAY or any(v is None for v in values):
        return None
    kinds = {type(v) for v in values}
    if len(kinds) != 1 or isinstance(values[0], (list, tuple, dict)):
        return None
    # Remove "IN (" already copied to the output and write "= ANY(" instead; the caller appends
    # the array placeholder and we consume the closing parenthesis ourselves.
    text = "".join(out)
    stripped = text.rstrip()
    assert stripped.endswith("(")
    head = stripped[:-1].rstrip()
    head = head[: len(head) - keyword_len]
    out.clear()
    out.append(head + operator)
    # `placeholder()` adds the cast of the *list*, which is "" (untyped): the server infers the
    # array type from the column; give integers an explicit array type as psycopg would.
    if isinstance(values[0], int) and not isinstance(values[0], bool):
        return i, count, _TypedArray(values, "::int8[]")  # type: ignore[return-value]
    return i, count, values


# --------------------------------------------------------------------------------------------
# QuerySets


def compile_sql(
    sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None, *, using: str
) -> CompiledQuery:
    """Compile a raw SQL string with psycopg-style (or native ``$n``) parameters."""
    if not isinstance(sql, str) or not sql.strip():
        raise CompileError(f"Expected a QuerySet or a non-empty SQL string, got {sql!r}.")
    text, values = rewrite_placeholders(sql, params)
    return CompiledQuery(sql=text, params=values, alias=using)


def compile_queryset(queryset: Any, *, using: str | None = None) -> CompiledQuery:
    """Compile a QuerySet for the alias it runs on (or ``using``) into a :class:`CompiledQuery`."""
    from django.core.exceptions import EmptyResultSet, FieldError
    from django.db import NotSupportedError

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
    compiler = queryset.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return CompiledQuery(
            sql="",
            params=(),
            alias=alias,
            names=_names(queryset, compiler),
            empty=True,
            build_rows=_row_builder(queryset, compiler, alias),
            from_queryset=True,
        )
    except (FieldError, NotSupportedError, TypeError, ValueError) as exc:
        raise CompileError(f"The QuerySet cannot be compiled to SQL: {exc}") from None
    text, values = rewrite_placeholders(sql, params)
    return CompiledQuery(
        sql=text,
        params=values,
        alias=alias,
        names=_names(queryset, compiler),
        build_rows=_row_builder(queryset, compiler, alias),
        col_count=compiler.col_count if compiler.has_extra_select else None,
        from_queryset=True,
    )


def _value_names(queryset: Any) -> list[str]:
    query = queryset.query
    selected = getattr(query, "selected", None)
    if selected:
        return list(selected)
    return [*query.extra_select, *query.values_select, *query.annotation_select]


def _names(queryset: Any, compiler: Any) -> tuple[str, ...]:
    from django.db.models.query import ModelIterable

    if queryset._iterable_class is ModelIterable or not issubclass(
        queryset._iterable_class, _values_iterables()
    ):
        klass_info = compiler.klass_info
        names: list[str] = []
        if klass_info and compiler.select:
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            names = [s[0].target.attname for s in compiler.select[start:end]]
        names += list(compiler.annotation_col_map or ())
        return tuple(names)
    if queryset._fields and queryset._iterable_class.__name__ == "NamedValuesListIterable":
        return tuple(queryset._fields)
    return tuple(_value_names(queryset))


def _values_iterables() -> tuple[type, ...]:
    from django.db.models.query import (
        FlatValuesListIterable,
        NamedValuesListIterable,
        ValuesIterable,
        ValuesListIterable,
    )

    return (ValuesIterable, ValuesListIterable, NamedValuesListIterable, FlatValuesListIterable)


def _row_builder(queryset: Any, compiler: Any, alias: str) -> RowBuilder:
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

    def convert(batch: Sequence[Any]) -> list[Any]:
        if col_count is not None:
            rows: Iterable[Any] = (tuple(r)[:col_count] for r in batch)
        else:
            rows = map(tuple, batch)
        if converters:
            return [tuple(r) for r in compiler.apply_converters(rows, converters)]
        return list(rows)

    if iterable is ValuesIterable:
        names = _value_names(queryset)
        indexes = range(len(names))

        def build_dicts(batch: Sequence[Any]) -> list[Any]:
            return [{names[i]: row[i] for i in indexes} for row in convert(batch)]

        return build_dicts
    if iterable is FlatValuesListIterable:

        def build_flat(batch: Sequence[Any]) -> list[Any]:
            return [row[0] for row in convert(batch)]

        return build_flat
    if iterable is NamedValuesListIterable:
        names = list(queryset._fields) if queryset._fields else _value_names(queryset)
        tuple_class = create_namedtuple_class(*names)
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
