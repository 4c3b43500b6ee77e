"""Strict comparison of what the ORM and ``cursor_stream.stream()`` yield.

Python's own ``==`` hides the differences a user of the rows sees: ``Decimal('1.0') == 1``,
``1 == True``, ``1.0 == Decimal(1)``, a naive datetime is never equal to an aware one but two aware
ones in different zones are, ``{'a': 1} == {'a': 1}`` whatever the key order. Every value is
therefore turned into a tree of ``(type, payload)`` pairs first, and those trees are compared.
"""

from __future__ import annotations

import datetime
import decimal
import math
from typing import Any


def _type_name(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def canon(value: Any, _seen: frozenset[int] = frozenset()) -> Any:
    """Return a comparable, hashable tree for ``value`` keeping its type at every level."""
    if value is None:
        return None
    name = _type_name(value)
    if isinstance(value, (bool, int, str)):
        return (name, value)
    if isinstance(value, float):
        return (name, "nan" if math.isnan(value) else repr(value))
    if isinstance(value, decimal.Decimal):
        return (name, str(value))
    if isinstance(value, datetime.datetime):
        return (name, value.isoformat(), repr(value.tzinfo), value.fold)
    if isinstance(value, (datetime.date, datetime.time)):
        tz = getattr(value, "tzinfo", None)
        return (name, value.isoformat(), repr(tz))
    if isinstance(value, datetime.timedelta):
        return (name, value.days, value.seconds, value.microseconds)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return (name, bytes(value))
    if isinstance(value, dict):
        return (name, tuple((canon(k, _seen), canon(v, _seen)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        fields = getattr(value, "_fields", None)
        return (name, fields, tuple(canon(v, _seen) for v in value))
    if isinstance(value, (set, frozenset)):
        return (name, tuple(sorted(repr(canon(v, _seen)) for v in value)))
    if hasattr(value, "_meta") and hasattr(value, "_state"):
        return _canon_instance(value, _seen)
    if hasattr(value, "__dict__") and type(value).__repr__ is object.__repr__:
        # A value object of a custom field (its repr would show its address).
        return (name, tuple((k, canon(v, _seen)) for k, v in sorted(vars(value).items())))
    return (name, repr(value))


def _canon_instance(obj: Any, seen: frozenset[int]) -> Any:
    name = _type_name(obj)
    if id(obj) in seen:
        # Reverse one-to-one caches point back to the instance that holds them.
        return (name, "<cycle>", obj.pk if "id" in vars(obj) else None)
    seen = seen | {id(obj)}
    attributes = tuple(
        (key, canon(val, seen))
        for key, val in sorted(vars(obj).items())
        if key not in ("_state", "_prefetched_objects_cache")
    )
    state = obj._state
    cache = tuple(
        (key, canon(val, seen)) for key, val in sorted(state.fields_cache.items(), key=_key)
    )
    return (
        name,
        attributes,
        cache,
        state.db,
        state.adding,
        tuple(sorted(obj.get_deferred_fields())),
    )


def _key(item: tuple[str, Any]) -> str:
    return str(item[0])


def diff(orm: list[Any], streamed: list[Any], *, ordered: bool) -> str | None:
    """Describe the first difference between two row lists: None when equal, "order" when the
    same rows came in another order although the QuerySet is ordered."""
    left = [canon(r) for r in orm]
    right = [canon(r) for r in streamed]
    if left == right:
        return None
    same_rows = len(left) == len(right) and sorted(map(repr, left)) == sorted(map(repr, right))
    if same_rows:
        return "order" if ordered else None
    head = (
        f"{len(orm)} rows from the ORM, {len(streamed)} streamed; "
        if len(left) != len(right)
        else ""
    )
    if ordered and len(left) == len(right):
        index = next(i for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b)
        return f"{head}row {index}: {_difference(orm[index], streamed[index])}"
    only_orm = [orm[i] for i, c in enumerate(left) if c not in right]
    only_stream = [streamed[i] for i, c in enumerate(right) if c not in left]
    if len(only_orm) == len(only_stream) == 1:
        return head + _difference(only_orm[0], only_stream[0])
    parts = []
    if only_orm:
        parts.append(f"ORM {_show(only_orm[0])}")
    if only_stream:
        parts.append(f"stream {_show(only_stream[0])}")
    return head + (" vs ".join(parts) or "duplicate rows differ")


def _difference(orm: Any, streamed: Any) -> str:
    """Show two rows of the same kind by the fields where they differ (the whole rows else)."""
    if type(orm) is type(streamed):
        if hasattr(orm, "_meta") and hasattr(orm, "_state"):
            left = {k: v for k, v in vars(orm).items() if k != "_state"}
            right = {k: v for k, v in vars(streamed).items() if k != "_state"}
            for key, value in orm._state.fields_cache.items():
                left[f"<cached {key}>"] = value
            for key, value in streamed._state.fields_cache.items():
                right[f"<cached {key}>"] = value
            name = f"{type(orm).__name__} pk={orm.pk!r}: "
        elif isinstance(orm, dict):
            left, right, name = orm, streamed, ""
        elif isinstance(orm, tuple) and len(orm) == len(streamed):
            fields = getattr(orm, "_fields", None) or range(len(orm))
            left = dict(zip(fields, orm, strict=True))
            right = dict(zip(fields, streamed, strict=True))
            name = f"{type(orm).__name__} "
        else:
            left = right = None
        if left is not None and right is not None:
            keys = [k for k in {**left, **right} if k not in left or k not in right]
            keys += [k for k in left if k in right and canon(left[k]) != canon(right[k])]
            if keys:
                parts = [
                    f"{k!r}: ORM {_show(left[k]) if k in left else '(no key)'} vs stream "
                    f"{_show(right[k]) if k in right else '(no key)'}"
                    for k in keys
                ]
                return name + "; ".join(parts)
    return f"ORM {_show(orm)} vs stream {_show(streamed)}"


def _show(row: Any) -> str:
    """Show a row with the types a plain repr hides (instances by their attributes)."""
    if hasattr(row, "_meta") and hasattr(row, "_state"):
        fields = {k: v for k, v in vars(row).items() if k != "_state"}
        text = f"<{type(row).__name__} {_typed(fields)}>"
        if row._state.fields_cache:
            text += f" cache={ {k: _show(v) for k, v in row._state.fields_cache.items()} }"
        return _cut(text)
    return _cut(_typed(row))


def _typed(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_typed(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        inner = ", ".join(f"{f}={_typed(v)}" for f, v in zip(value._fields, value, strict=False))
        return f"{type(value).__name__}({inner})"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_typed(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    kind = type(value)
    if kind in (bool, int, str, type(None)):
        return repr(value)
    module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return f"{value!r}:{module}{kind.__qualname__}"


def _cut(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
