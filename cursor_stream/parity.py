"""Driver parity: give the values Django's own connection would give, not asyncpg's.

Django reads PostgreSQL through psycopg (3, or 2) with loaders of its own: ``inet`` and ``cidr``
as text, ``jsonb`` as text for ``JSONField`` to parse, ``timestamptz`` in the connection's time
zone (naive local time when ``USE_TZ = False``), ranges as the driver's range classes, ``hstore``
as a dict once ``django.contrib.postgres`` is installed. asyncpg decodes the binary protocol its
own way. Two mechanisms close the gap, both chosen once, never per value:

* **connection codecs** (:func:`install_codecs`): types whose text form is exactly what Django's
  driver returns are read in text format (``real`` printed by the server as ``0.1``, not the
  float4 widened to ``0.10000000149011612``; ``inet``/``cidr``/bit strings/geometric types as
  strings; ``json`` parsed). Arrays of them follow, since asyncpg decodes elements with the
  element type's codec. Built-in types are looked up without a round trip.
* **column normalisers** (:func:`batch_normalizer`), picked from the result's column types and the
  alias's :class:`ValueProfile`: the time zone of ``timestamptz`` values, ``±infinity`` (which
  psycopg 3 refuses to load, so the ORM raises), range and multirange classes, ``uuid.UUID``
  (asyncpg's is a subclass that needs asyncpg to unpickle), PostgreSQL's one-byte ``"char"``,
  ``bytea`` as ``memoryview`` under psycopg2. They work column by column on a whole batch.

Raw SQL streams keep asyncpg's records; the connection codecs apply to them too.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import is_ as _is
from typing import Any

import asyncpg

from .exceptions import QueryError

#: Built-in types read as text and returned as the server prints them (Django's drivers return
#: these as strings: psycopg 3 through Django's TextLoader for inet/cidr, both drivers by default
#: for the others).
TEXT_TYPES = (
    "inet",
    "cidr",
    "bit",
    "varbit",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "tid",
    "txid_snapshot",
    "pg_snapshot",
)

#: PostgreSQL's one-byte "char" type and its array (asyncpg returns the values as bytes).
CHAR_OID = 18
CHAR_ARRAY_OID = 1002

_RANGE_NAMES = {
    "int4range": "NumericRange",
    "int8range": "NumericRange",
    "numrange": "NumericRange",
    "daterange": "DateRange",
    "tsrange": "DateTimeRange",
    "tstzrange": "DateTimeTZRange",
}


@dataclass(frozen=True)
class ValueProfile:
    """How Django's connection for one alias loads values (built in sync code, then passed on)."""

    #: ``"psycopg"`` (3) or ``"psycopg2"``: the driver Django's PostgreSQL backend imported.
    driver: str = "psycopg"
    #: The tzinfo Django attaches to ``timestamptz`` values; None: naive (``USE_TZ = False``).
    timezone: datetime.tzinfo | None = datetime.UTC
    #: The session time zone (``connection.timezone_name``): naive values are local to it.
    session_timezone: str = "UTC"
    #: ``django.contrib.postgres`` is installed, so Django loads ``hstore`` as a dict.
    hstore_as_dict: bool = False

    @classmethod
    def for_alias(cls, alias: str) -> ValueProfile:
        """Return the profile of a Django database alias (reads settings only, no I/O)."""
        from django.apps import apps
        from django.db import connections
        from django.db.backends.postgresql.psycopg_any import is_psycopg3

        timezone, name = connection_time_zone(connections[alias].settings_dict)
        return cls(
            driver="psycopg" if is_psycopg3 else "psycopg2",
            timezone=timezone,
            session_timezone=name,
            hstore_as_dict=apps.is_installed("django.contrib.postgres"),
        )

    @property
    def session_tzinfo(self) -> datetime.tzinfo:
        """Return the session time zone as a tzinfo."""
        return _zone(self.session_timezone)


def connection_time_zone(settings_dict: Any) -> tuple[datetime.tzinfo | None, str]:
    """Return Django's ``connection.timezone`` and ``connection.timezone_name`` for an alias.

    Computed from the settings as ``BaseDatabaseWrapper`` does, not read from its cached
    properties: ``override_settings(USE_TZ=...)`` resets those only on wrappers that have
    connected, and the wrapper an export compiles with (another thread or async context) may
    never have.
    """
    from django.conf import settings

    if not settings.USE_TZ:
        return None, settings.TIME_ZONE
    name = settings_dict.get("TIME_ZONE")
    if name is None:
        return datetime.UTC, "UTC"
    import zoneinfo

    return zoneinfo.ZoneInfo(name), name


def _zone(name: str) -> datetime.tzinfo:
    import zoneinfo

    if name.upper() == "UTC":
        return datetime.UTC
    return zoneinfo.ZoneInfo(name)


# --------------------------------------------------------------------------------------------
# Connection codecs


async def install_codecs(conn: asyncpg.Connection) -> None:
    """Set the text-format codecs of built-in types on a new connection (no round trip).

    asyncpg resolves ``pg_catalog`` built-in type names from a table of its own, so this sends
    nothing to the server; statements prepared afterwards use these codecs.
    """
    await conn.set_type_codec(
        "float4", schema="pg_catalog", encoder=str, decoder=float, format="text"
    )
    for name in TEXT_TYPES:
        await conn.set_type_codec(
            name, schema="pg_catalog", encoder=str, decoder=str, format="text"
        )
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=_json_text, decoder=json.loads, format="text"
    )


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


async def install_extension_codecs(
    conn: asyncpg.Connection, types: Sequence[Any], profile: ValueProfile
) -> bool:
    """Set codecs for extension types among result columns or parameters; True if any was set.

    ``hstore`` has no fixed type OID, so asyncpg must look it up (a round trip); this happens
    only for statements that use one, which then have to be prepared again.
    """
    changed = False
    for item in types:
        type_ = _type_of(item)
        if profile.hstore_as_dict and type_.name in ("hstore", "hstore[]"):
            await conn.set_builtin_type_codec(
                "hstore", schema=type_.schema, codec_name="pg_contrib.hstore"
            )
            changed = True
    return changed


def needs_extension_codecs(types: Sequence[Any], profile: ValueProfile) -> bool:
    """Return True when :func:`install_extension_codecs` has something to do for ``types``."""
    for item in types:
        type_ = _type_of(item)
        if profile.hstore_as_dict and type_.name in ("hstore", "hstore[]"):
            return True
    return False


def _type_of(item: Any) -> Any:
    # Result attributes carry their type in .type; parameter types are types themselves.
    return getattr(item, "type", item)


# --------------------------------------------------------------------------------------------
# Column normalisers

#: A function of one non-None value.
ValueFix = Callable[[Any], Any]
#: A function of a whole column (a sequence of values, None included) returning the new column,
#: or None when it changes nothing (checks only).
ColumnFix = Callable[[Sequence[Any]], Sequence[Any] | None]
BatchNormalizer = Callable[[Sequence[Any]], Sequence[Any]]


def infinity_sentinels() -> tuple[Any, Any, Any, Any]:
    """Return asyncpg's objects for ``±infinity`` dates and timestamps.

    asyncpg decodes PostgreSQL's infinite dates and timestamps to these module-level objects
    (``date.max``/``date.min`` and ``datetime.max``/``datetime.min``, naive even for
    ``timestamptz``). Being the same objects every time, they can be told apart from a real
    9999-12-31 by identity. A test breaks if asyncpg changes this.
    """
    from asyncpg.pgproto import pgproto

    return (
        pgproto.infinity_date,
        pgproto.negative_infinity_date,
        pgproto.infinity_datetime,
        pgproto.negative_infinity_datetime,
    )


_INF_DATE, _NEG_INF_DATE, _INF_DATETIME, _NEG_INF_DATETIME = infinity_sentinels()
_INFINITIES = {
    id(_INF_DATE): ("date", "too large (after year 10K)", "infinity"),
    id(_NEG_INF_DATE): ("date", "too small (before year 1)", "-infinity"),
    id(_INF_DATETIME): ("timestamp", "too large (after year 10K)", "infinity"),
    id(_NEG_INF_DATETIME): ("timestamp", "too small (before year 1)", "-infinity"),
}


def _infinity_error(value: Any, column: str) -> QueryError:
    kind, why, text = _INFINITIES[id(value)]
    return QueryError(
        f"Column {column!r} holds {text!r}, which Django's connection cannot load either "
        f"({kind} {why}: {text!r}). Exclude such rows, or select the column cast to text."
    )


def _is_infinity(value: Any) -> bool:
    return (
        value is _INF_DATE
        or value is _NEG_INF_DATE
        or value is _INF_DATETIME
        or (value is _NEG_INF_DATETIME)
    )


class _Fixes:
    """The value functions of one profile."""

    def __init__(self, profile: ValueProfile, column: str) -> None:
        self.profile = profile
        self.column = column
        self.psycopg2 = profile.driver == "psycopg2"
        tz = profile.timezone
        self.naive = tz is None
        self.target = profile.session_tzinfo if tz is None else tz
        self.convert_tz = tz is None or tz is not datetime.UTC
        self.ranges = _range_classes(profile.driver)

    # --- scalar values (value functions) ---------------------------------------------------
    def infinity(self, value: Any) -> Any:
        if _is_infinity(value):
            if self.psycopg2:
                # psycopg2 maps infinite dates and timestamps to date.max/datetime.max and min,
                # which is what asyncpg gives.
                return value
            raise _infinity_error(value, self.column)
        return value

    def timestamptz(self, value: Any) -> Any:
        if value.tzinfo is None:  # asyncpg's ±infinity, naive even for timestamptz
            # psycopg 3 refuses it; psycopg2 gives datetime.max/min, with the tzinfo that
            # Django's tzinfo_factory gives every timestamptz.
            return self.infinity(value).replace(tzinfo=self.profile.timezone)
        if self.naive:
            local = value.astimezone(self.target)
            # psycopg 3 converts as we do, keeping ``fold`` for the second of two equal local
            # times; psycopg2 parses the naive local text, where fold is always 0.
            return local.replace(tzinfo=None, fold=0 if self.psycopg2 else local.fold)
        if self.convert_tz:
            return value.astimezone(self.target)
        return value

    def any(self, value: Any) -> Any:
        """Normalise a value by its Python type (elements of arrays, ranges, multiranges)."""
        if isinstance(value, datetime.datetime):
            if value.tzinfo is not None:
                return self.timestamptz(value)
            return self.infinity(value)
        if isinstance(value, datetime.date):
            return self.infinity(value)
        if isinstance(value, asyncpg.Range):
            return self.range(value)
        if isinstance(value, list):
            return [None if v is None else self.any(v) for v in value]
        if isinstance(value, uuid.UUID) and type(value) is not uuid.UUID:
            return _std_uuid(value)
        return value

    def range(self, value: Any, class_name: str | None = None) -> Any:
        lower, upper = value.lower, value.upper
        if lower is not None:
            lower = self.any(lower)
        if upper is not None:
            upper = self.any(upper)
        bounds = ("[" if value.lower_inc else "(") + ("]" if value.upper_inc else ")")
        cls = self.ranges[class_name or _range_class_name(lower, upper)]
        if value.isempty:
            return cls(empty=True)
        return cls(lower, upper, bounds)


def _range_class_name(lower: Any, upper: Any) -> str:
    bound = lower if lower is not None else upper
    if isinstance(bound, datetime.datetime):
        return "DateTimeTZRange" if bound.tzinfo is not None else "DateTimeRange"
    if isinstance(bound, datetime.date):
        return "DateRange"
    return "NumericRange"


def _range_classes(driver: str) -> dict[str, Any]:
    # Django's driver-neutral names: all four are psycopg's Range under psycopg 3, and psycopg2's
    # own classes under psycopg2.
    from django.db.backends.postgresql import psycopg_any

    return {
        name: getattr(psycopg_any, name)
        for name in ("NumericRange", "DateRange", "DateTimeRange", "DateTimeTZRange")
    }


_new_object = object.__new__
_set_slot = object.__setattr__
_UUID = uuid.UUID
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def _std_uuid(value: Any) -> uuid.UUID:
    # uuid.UUID's own constructor validates its input: three times slower than filling the two
    # slots of a value that is already a UUID.
    result = _new_object(_UUID)
    _set_slot(result, "int", value.int)
    _set_slot(result, "is_safe", _SAFE_UNKNOWN)
    return result  # type: ignore[no-any-return]


def _uuids(column: Sequence[Any]) -> list[Any]:
    out: list[Any] = []
    append = out.append
    for value in column:
        if value is None:
            append(None)
        else:
            result = _new_object(_UUID)
            _set_slot(result, "int", value.int)
            _set_slot(result, "is_safe", _SAFE_UNKNOWN)
            append(result)
    return out


def _mapped(fix: ValueFix) -> ColumnFix:
    def column_fix(column: Sequence[Any]) -> list[Any]:
        return [None if v is None else fix(v) for v in column]

    return column_fix


def _checked_infinity(
    fixes: _Fixes, sentinels: tuple[Any, Any], *, aware: bool = False
) -> ColumnFix:
    """Return a check of a date/timestamp column for asyncpg's ``±infinity`` objects.

    By identity (a real 9999-12-31 is another object), with ``map(operator.is_)`` at C speed:
    ``in`` would compare with ``==``, which between the naive sentinels and the aware values of
    a ``timestamptz`` column costs ten times as much.
    """
    high, low = sentinels

    def check(column: Sequence[Any]) -> Sequence[Any] | None:
        if any(map(_is, column, repeat(high))) or any(map(_is, column, repeat(low))):
            if aware and fixes.psycopg2:
                return [fixes.timestamptz(v) if _is_infinity(v) else v for v in column]
            for value in column:
                if _is_infinity(value):
                    fixes.infinity(value)
        return None

    return check


def column_fix(type_: Any, profile: ValueProfile, column: str) -> ColumnFix | None:
    """Return the normaliser of a result column of asyncpg type ``type_`` (None: none needed)."""
    name, kind = type_.name, type_.kind
    fixes = _Fixes(profile, column)
    if kind == "array":
        element = name[:-2] if name.endswith("[]") else name.lstrip("_")
        if type_.oid == CHAR_ARRAY_OID:
            return _mapped(_chars)
        if element in _RANGE_NAMES:
            class_name = _RANGE_NAMES[element]
            return _mapped(lambda v: _nested(v, lambda r: fixes.range(r, class_name)))
        if element in ("timestamptz", "timestamp", "date", "uuid") or (
            element in _RANGE_NAMES or element.endswith(("range", "multirange"))
        ):
            return _mapped(fixes.any)
        return None
    if kind == "range":
        range_class = _RANGE_NAMES.get(name)
        return _mapped(lambda v: fixes.range(v, range_class))
    if kind == "multirange":
        if fixes.psycopg2:
            # psycopg2 knows no multiranges: Django's connection returns their text.
            return _mapped(lambda v: _multirange_text(v, profile.session_tzinfo))
        return _mapped(lambda v: _multirange(fixes, v))
    if name == "timestamptz":
        if fixes.convert_tz:
            return _mapped(fixes.timestamptz)
        return _checked_infinity(fixes, (_INF_DATETIME, _NEG_INF_DATETIME), aware=True)
    if name in ("timestamp", "date") and not fixes.psycopg2:
        if name == "date":
            return _checked_infinity(fixes, (_INF_DATE, _NEG_INF_DATE))
        return _checked_infinity(fixes, (_INF_DATETIME, _NEG_INF_DATETIME))
    if name == "uuid":
        return _uuids
    if type_.oid == CHAR_OID:
        return _mapped(_char)
    if name == "bytea" and fixes.psycopg2:
        return _mapped(memoryview)
    if name == "timetz" and fixes.psycopg2:
        # Django gives psycopg2 cursors a tzinfo_factory returning the connection's time zone
        # whatever the offset (None without USE_TZ): a time with time zone loses its offset.
        zone = profile.timezone
        return _mapped(lambda v: v.replace(tzinfo=zone))
    return None


def _nested(value: list[Any], fix: ValueFix) -> list[Any]:
    return [
        None if v is None else _nested(v, fix) if isinstance(v, list) else fix(v) for v in value
    ]


def _char(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _chars(value: Any) -> Any:
    return [None if v is None else _chars(v) if isinstance(v, list) else _char(v) for v in value]


def _bound_text(value: Any, zone: datetime.tzinfo) -> str:
    """Return a range bound as PostgreSQL prints it (ISO DateStyle), quoted as range_out does."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        text: str = value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        offset = value.utcoffset()
        if offset is not None:
            seconds = int(offset.total_seconds())
            hours, rest = divmod(abs(seconds), 3600)
            minutes, secs = divmod(rest, 60)
            text += ("+" if seconds >= 0 else "-") + f"{hours:02d}"
            if minutes or secs:
                text += f":{minutes:02d}" + (f":{secs:02d}" if secs else "")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    if not text or any(c in text for c in ' "\\(),[]'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _multirange_text(value: Any, zone: datetime.tzinfo) -> str:
    """Return a multirange (asyncpg's list of ranges) as PostgreSQL's text."""
    parts = []
    for item in value:
        if item.isempty:
            continue
        lower = "" if item.lower is None else _bound_text(item.lower, zone)
        upper = "" if item.upper is None else _bound_text(item.upper, zone)
        parts.append(
            ("[" if item.lower_inc else "(") + f"{lower},{upper}" + ("]" if item.upper_inc else ")")
        )
    return "{" + ",".join(parts) + "}"


def _multirange(fixes: _Fixes, value: Any) -> Any:
    ranges = [fixes.range(r) for r in value]
    if fixes.psycopg2:
        return ranges
    from psycopg.types.multirange import Multirange

    return Multirange(ranges)


def batch_normalizer(
    attributes: Sequence[Any], profile: ValueProfile, names: Sequence[str] | None = None
) -> BatchNormalizer | None:
    """Return a function making a batch of asyncpg records hold the ORM's values (None: no-op).

    The function returns the records unchanged when its columns only needed checking, else
    tuples.
    """
    fixes: list[tuple[int, ColumnFix]] = []
    for index, attribute in enumerate(attributes):
        column = names[index] if names is not None and index < len(names) else attribute.name
        fix = column_fix(attribute.type, profile, column)
        if fix is not None:
            fixes.append((index, fix))
    if not fixes:
        return None

    def normalize(records: Sequence[Any]) -> Sequence[Any]:
        if not records:
            return records
        columns: list[Sequence[Any]] | None = None
        for index, fix in fixes:
            column = [r[index] for r in records] if columns is None else columns[index]
            new = fix(column)
            if new is not None:
                if columns is None:
                    # Transposed at C speed: a tuple per column, then back to a tuple per row.
                    columns = list(zip(*records, strict=True))
                columns[index] = new
        if columns is None:
            return records
        return list(zip(*columns, strict=True))

    return normalize
