"""Strict comparison of what the ORM yields with what a stream yields.

Python's ``==`` is too lenient for a differential test: ``1 == True == Decimal("1.0")``, a naive
and an aware datetime are simply unequal, a model instance equals any instance with the same pk.
:func:`differences` compares types first, then values, recursively, and reports each mismatch
with its path in the result.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator, Sequence
from typing import Any


def assert_same(expected: Any, actual: Any, path: str = "rows") -> None:
    """Fail with every difference between ``expected`` (the ORM's) and ``actual``."""
    problems = list(differences(expected, actual, path))
    if problems:
        shown = "\n".join(problems[:25])
        more = f"\n... and {len(problems) - 25} more" if len(problems) > 25 else ""
        raise AssertionError(f"{len(problems)} difference(s) from the ORM:\n{shown}{more}")


def _is_model(value: Any) -> bool:
    return hasattr(value, "_meta") and hasattr(value, "_state")


def _range_like(value: Any) -> bool:
    return all(hasattr(value, name) for name in ("lower", "upper", "isempty", "lower_inc"))


def differences(a: Any, b: Any, path: str) -> Iterator[str]:
    """Yield a line for each difference between ``a`` (expected) and ``b``."""
    if type(a) is not type(b):
        yield f"{path}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
        return
    if _is_model(a):
        yield from _model_differences(a, b, path)
    elif isinstance(a, dict):
        if list(a) != list(b):
            yield f"{path}: keys {list(a)} != {list(b)}"
            return
        for key in a:
            yield from differences(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)) or type(a).__name__ == "Multirange":
        yield from _sequence_differences(a, b, path)
    elif _range_like(a):
        for name in ("isempty", "lower", "upper", "lower_inc", "upper_inc"):
            yield from differences(getattr(a, name), getattr(b, name), f"{path}.{name}")
    elif isinstance(a, float):
        if repr(a) != repr(b):
            yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, decimal.Decimal):
        if str(a) != str(b):
            yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, (datetime.datetime, datetime.time)):
        # repr shows the tzinfo and fold too, which == ignores.
        if repr(a) != repr(b):
            yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, memoryview):
        if a.tobytes() != b.tobytes():
            yield f"{path}: {a.tobytes()!r} != {b.tobytes()!r}"
    elif a != b or repr(a) != repr(b):
        yield f"{path}: {a!r} != {b!r}"


def _sequence_differences(a: Sequence[Any], b: Sequence[Any], path: str) -> Iterator[str]:
    if len(a) != len(b):
        yield f"{path}: {len(a)} items != {len(b)} items"
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        yield from differences(x, y, f"{path}[{index}]")


def _model_differences(a: Any, b: Any, path: str) -> Iterator[str]:
    state_a = {k: v for k, v in vars(a).items() if k != "_state"}
    state_b = {k: v for k, v in vars(b).items() if k != "_state"}
    if sorted(state_a) != sorted(state_b):
        yield f"{path}: attributes {sorted(state_a)} != {sorted(state_b)}"
        return
    for key in sorted(state_a):
        yield from differences(state_a[key], state_b[key], f"{path}.{key}")
    cache_a, cache_b = a._state.fields_cache, b._state.fields_cache
    if sorted(cache_a) != sorted(cache_b):
        yield f"{path}: cached relations {sorted(cache_a)} != {sorted(cache_b)}"
        return
    for key in sorted(cache_a):
        yield from differences(cache_a[key], cache_b[key], f"{path}.<{key}>")
    if a._state.db != b._state.db or a._state.adding != b._state.adding:
        state_a, state_b = (a._state.db, a._state.adding), (b._state.db, b._state.adding)
        yield f"{path}: state (db, adding) {state_a} != {state_b}"
