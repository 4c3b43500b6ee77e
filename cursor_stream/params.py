"""Query parameters: what Django prepared for psycopg, sent through asyncpg with the same types.

Django's PostgreSQL backend binds parameters on the client (psycopg 3's ``ClientCursor``, or
psycopg2): each value becomes an SQL literal, typed by the driver (``'2024-01-01'::date``,
``'{1,2}'::int2[]``, ``'10.0.0.1'::inet``) or left for the server to type (``5`` is an integer,
``1.5`` a numeric, ``'text'`` unknown). asyncpg binds parameters on the server, where an
untyped ``$1`` takes the type the context gives it (``text`` in a select list). So every value
gets the cast its literal would carry, and driver wrappers (``Jsonb``, ``Binary``, ranges,
``Inet``, ``Int4``...) are unwrapped into values asyncpg encodes. The same rules apply under
psycopg 3 and psycopg2; the tests compare with the ORM value by value.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import ipaddress
import json
import math
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .sqltext import quote_ident

#: psycopg 3's explicitly typed number wrappers (``psycopg.types.numeric``) and their casts.
_NUMBER_WRAPPERS = {
    "Int2": "::int2",
    "Int4": "::int4",
    "Int8": "::int8",
    "IntNumeric": "::numeric",
    "Oid": "::oid",
    "Float4": "::float4",
    "Float8": "::float8",
}

_ADDRESSES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
)
_NETWORKS = (ipaddress.IPv4Network, ipaddress.IPv6Network)


@dataclass(frozen=True)
class Param:
    """A parameter ready for asyncpg: the value to encode and the cast its placeholder gets."""

    value: Any
    cast: str = ""


def _int_cast(value: int) -> str:
    # A bare integer literal is int4, int8 or numeric, whichever holds it.
    if -(2**31) <= value < 2**31:
        return "::int4"
    if -(2**63) <= value < 2**63:
        return "::int8"
    return "::numeric"


def adapt_param(value: Any) -> Param:
    """Return ``value`` (as Django gave it to the driver) ready for asyncpg."""
    if isinstance(value, Param):
        return value
    if value is None or isinstance(value, str):
        return Param(value)
    if isinstance(value, bool):
        return Param(value, "::bool")
    module, name = type(value).__module__, type(value).__name__
    from_driver = module.startswith(("psycopg", "django.db.backends"))
    if from_driver and name in _NUMBER_WRAPPERS:
        plain = float(value) if name.startswith("Float") else int(value)
        return Param(plain, _NUMBER_WRAPPERS[name])
    if isinstance(value, int):
        return Param(int(value), _int_cast(value))
    if isinstance(value, float):
        # psycopg prints a float as its shortest repr, a numeric literal to the server (so
        # `price * 0.1` is exact, as in the ORM); only the non-finite ones are float8.
        if math.isfinite(value):
            return Param(decimal.Decimal(repr(value)), "::numeric")
        return Param(value, "::float8")
    if isinstance(value, decimal.Decimal):
        return Param(value, "::numeric")
    if isinstance(value, datetime.datetime):
        return Param(value, "::timestamptz" if value.tzinfo is not None else "::timestamp")
    if isinstance(value, datetime.date):
        return Param(value, "::date")
    if isinstance(value, datetime.time):
        return Param(value, "::timetz" if value.tzinfo is not None else "::time")
    if isinstance(value, datetime.timedelta):
        return Param(value, "::interval")
    if isinstance(value, uuid.UUID):
        return Param(value, "::uuid")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Param(bytes(value), "::bytea")
    if isinstance(value, _ADDRESSES):
        return Param(str(value), "::inet")
    if isinstance(value, _NETWORKS):
        return Param(str(value), "::cidr")
    if from_driver:
        driver_param = _driver_wrapper(value, name)
        if driver_param is not None:
            return driver_param
    if isinstance(value, (list, tuple)):
        return _array(value)
    return Param(value)


def _driver_wrapper(value: Any, name: str) -> Param | None:
    """Unwrap psycopg's and psycopg2's wrapper objects (None: not one)."""
    # On psycopg2, JSONField sends Django's own Jsonb (a psycopg2.extras.Json subclass).
    if name in ("Jsonb", "Json"):
        if hasattr(value, "adapted"):
            # psycopg2: the value is .adapted and dumps() a method. Its Json literal is untyped;
            # Django's Jsonb adds ::jsonb.
            return Param(value.dumps(value.adapted), "::jsonb" if name == "Jsonb" else "")
        # psycopg 3: the value is .obj and .dumps the function given, if any.
        text = (value.dumps or json.dumps)(value.obj)
        return Param(text, "::jsonb" if name == "Jsonb" else "::json")
    if name == "Binary":
        # psycopg 3's dbapi20.Binary keeps .obj; psycopg2's keeps .adapted.
        raw = value.obj if hasattr(value, "obj") else value.adapted
        return Param(bytes(raw), "::bytea")
    if name == "Inet":  # psycopg2.extras.Inet
        return Param(str(value.addr), "::inet")
    if name.endswith("Range") and hasattr(value, "isempty"):
        return _range(value)
    return None


def _range(value: Any) -> Param:
    """Return a psycopg or psycopg2 range as an asyncpg Range, typed as psycopg types it."""
    import asyncpg

    if value.isempty:
        return Param(asyncpg.Range(empty=True))
    lower, upper = value.lower, value.upper
    bound = lower if lower is not None else upper
    # psycopg leaves integer ranges (and unbounded ones) untyped; Django dumps ranges of naive
    # datetimes as tstzrange (psycopg_any.DjangoRangeDumper).
    cast = ""
    if isinstance(bound, datetime.datetime):
        cast = "::tstzrange"
    elif isinstance(bound, datetime.date):
        cast = "::daterange"
    elif isinstance(bound, (decimal.Decimal, float)) and not isinstance(bound, bool):
        cast = "::numrange"
    return Param(
        asyncpg.Range(lower, upper, lower_inc=value.lower_inc, upper_inc=value.upper_inc), cast
    )


def _leaves(values: Iterable[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from _leaves(value)
        elif value is not None:
            yield value


@functools.cache
def _on_psycopg2() -> bool:
    """Return True when Django's PostgreSQL backend runs on psycopg2 (process-wide)."""
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return not is_psycopg3


def _array(values: list[Any] | tuple[Any, ...]) -> Param:
    """Return a list parameter typed as the driver types lists: by their (non-NULL) elements.

    psycopg 3 writes ``'{1,2}'::int2[]`` (the smallest integer type, float8 for floats, text
    untyped); psycopg2 writes ``ARRAY[1,2]``, whose elements the parser types as literals
    (int4 or int8, numeric for floats, text for strings).
    """
    items = [unwrap(v) for v in values]
    leaves = list(_leaves(values))
    if not leaves:
        return Param(items)
    psycopg2 = _on_psycopg2()
    first = adapt_param(leaves[0])
    wrapped = type(leaves[0]).__name__ in _NUMBER_WRAPPERS
    if isinstance(leaves[0], int) and not isinstance(leaves[0], bool) and not wrapped:
        low, high = min(leaves), max(leaves)
        widths: tuple[tuple[str, int], ...] = (("::int4", 2**31), ("::int8", 2**63))
        if not psycopg2:
            widths = (("::int2", 2**15), *widths)
        for cast, limit in widths:
            if -limit <= low and high < limit:
                return Param(items, f"{cast}[]")
        return Param(items, "::numeric[]")
    if isinstance(leaves[0], float):
        return Param(items, "::numeric[]" if psycopg2 else "::float8[]")
    if isinstance(leaves[0], str) and psycopg2:
        return Param(items, "::text[]")
    if first.cast in ("", "::json", "::jsonb"):
        return Param(items)  # text and JSON arrays are left to the server
    return Param(items, f"{first.cast}[]")


def unwrap(value: Any) -> Any:
    """Return the asyncpg value of an array element (floats stay floats inside arrays)."""
    if isinstance(value, (list, tuple)):
        return [unwrap(v) for v in value]
    if isinstance(value, float) or value is None:
        return value
    return adapt_param(value).value


# --------------------------------------------------------------------------------------------
# After the server typed the parameters

#: Built-in types asyncpg encodes from Python objects only (a string is refused), where a
#: psycopg literal would be parsed by the server: ``Cast(Value("0"), IntegerField())``,
#: ``setweight(vector, 'A')`` ("char"), ``'2024-01-01'`` for a date.
NEEDS_OBJECT = frozenset(
    {
        "bool",
        "int2",
        "int4",
        "int8",
        "oid",
        "float8",
        "date",
        "time",
        "timetz",
        "timestamp",
        "timestamptz",
        "interval",
        "bytea",
        "char",
    }
)


def _needs_object(type_: Any, extension_types: frozenset[str]) -> bool:
    name = type_.name
    base = name[:-2] if name.endswith("[]") else name
    return (
        base in NEEDS_OBJECT
        or base in extension_types
        or type_.kind in ("range", "multirange")
        or base.endswith(("range", "multirange"))
    )


def range_text(value: Any) -> str:
    """Return a range with text bounds as a range literal (psycopg sends it as one)."""
    if value.isempty:
        return "empty"

    def bound(item: Any) -> str:
        if item is None:
            return ""
        text = str(item).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{text}"'

    return (
        ("[" if value.lower_inc else "(")
        + f"{bound(value.lower)},{bound(value.upper)}"
        + ("]" if value.upper_inc else ")")
    )


def plan_arguments(
    types: list[Any], values: tuple[Any, ...], extension_types: frozenset[str] = frozenset()
) -> tuple[list[Any], list[int]]:
    """Return the values to bind, and the indexes of those the server must parse from text.

    ``types`` are the parameter types the server inferred. Text where an object is needed is
    parsed by the server (as it parses psycopg's literal); JSON objects become JSON text.
    """
    import asyncpg

    out = list(values)
    parse: list[int] = []
    for index, (type_, value) in enumerate(zip(types, values, strict=True)):
        name = type_.name
        if isinstance(value, asyncpg.Range) and (
            isinstance(value.lower, str) or isinstance(value.upper, str)
        ):
            out[index] = range_text(value)
            parse.append(index)
        elif isinstance(value, str) and _needs_object(type_, extension_types):
            parse.append(index)
        elif name in ("json", "jsonb") and isinstance(value, (dict, list)):
            out[index] = json.dumps(value)
        elif name in ("json[]", "jsonb[]") and isinstance(value, list):
            out[index] = [_json_element(v) for v in value]
    return out, parse


def _json_element(value: Any) -> Any:
    if isinstance(value, list):
        return [_json_element(v) for v in value]
    return value if value is None or isinstance(value, str) else json.dumps(value)


def param_type_sql(type_: Any) -> str:
    """Return the qualified name of an asyncpg parameter type, for ``$n::type`` (arrays: _name)."""
    name = type_.name
    if name.endswith("[]"):
        name = "_" + name[:-2]
    return f"{quote_ident(type_.schema)}.{quote_ident(name)}"
