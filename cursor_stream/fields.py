"""Model field paths (``category__name``) checked against ``_meta``, for exports and commands.

Anything that is not a declared field path (quotes, ``;``, control characters, JSON key paths,
reverse or many-to-many relations) is refused with an :class:`InvalidArgument` naming it, before
any SQL is built; values always travel as query parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from .exceptions import InvalidArgument

LOOKUP_SEP = "__"


def _describe(model: Any) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def resolve_field_path(model: Any, path: str, *, argument: str = "field") -> Any:
    """Return the model field at the end of ``path``, following forward relations only."""
    if not isinstance(path, str) or not path:
        raise InvalidArgument(f"Empty {argument} name given for {_describe(model)}.")
    current = model
    parts = path.split(LOOKUP_SEP)
    field: Any = None
    for index, part in enumerate(parts):
        if field is not None:
            if not (field.is_relation and (field.many_to_one or field.one_to_one)):
                raise InvalidArgument(
                    f"Unknown {argument} {path!r}: {parts[index - 1]!r} of {_describe(current)} "
                    "is not a relation that can be followed (only foreign keys and one-to-one "
                    "fields are; JSON keys must be declared as annotations)."
                )
            if not field.concrete:
                raise InvalidArgument(
                    f"Unknown {argument} {path!r}: reverse relation {parts[index - 1]!r} can "
                    "match several rows per object and cannot be exported."
                )
            current = field.related_model
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            names = ", ".join(
                f.name for f in current._meta.get_fields() if getattr(f, "concrete", False)
            )
            raise InvalidArgument(
                f"Unknown {argument} {path!r}: {_describe(current)} has no field {part!r}. "
                f"Its fields are: {names}."
            ) from None
        if field.many_to_many or (field.is_relation and not field.concrete):
            raise InvalidArgument(
                f"Unknown {argument} {path!r}: {part!r} of {_describe(current)} is a "
                "many-valued relation and cannot be exported."
            )
    return field


def validate_fields(model: Any, paths: Sequence[str]) -> list[Any]:
    """Return the fields of ``paths``; raise :class:`InvalidArgument` naming a bad one."""
    if isinstance(paths, str):
        raise InvalidArgument(f"fields must be a list of field paths, not the string {paths!r}.")
    if not paths:
        raise InvalidArgument("fields must name at least one field.")
    return [resolve_field_path(model, p) for p in paths]


def validate_order_by(model: Any, items: Sequence[str]) -> list[str]:
    """Check ``-field__path`` ordering terms and return them."""
    for item in items:
        resolve_field_path(model, item[1:] if item.startswith("-") else item, argument="ordering")
    return list(items)


_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


def parse_filter(model: Any, expression: str, *, option: str = "--filter") -> tuple[str, Any]:
    """Parse ``FIELD__PATH[__LOOKUP]=VALUE`` into a ``filter()`` keyword and its value.

    The lookup (``exact``, ``in``, ``gte``, ``icontains``, ``year``, ...) must be one registered
    on the field; ``in`` takes a comma-separated list and ``isnull`` a boolean.
    """
    key, sep, value = expression.partition("=")
    if not sep or not key:
        raise InvalidArgument(
            f"Malformed {option} {expression!r}: expected FIELD__LOOKUP=VALUE, e.g. "
            "price__gte=10 or category__name=Books."
        )
    parts = key.split(LOOKUP_SEP)
    # The longest prefix that is a field path; what follows must be registered lookups.
    for cut in range(len(parts), 0, -1):
        try:
            field = resolve_field_path(model, LOOKUP_SEP.join(parts[:cut]), argument="field")
        except InvalidArgument as exc:
            if cut == 1:
                raise InvalidArgument(f"In {option} {expression!r}: {exc}") from None
            continue
        lookups = parts[cut:]
        break
    if len(lookups) > 2:
        raise InvalidArgument(f"In {option} {expression!r}: too many lookups {lookups!r}.")
    registered = field.get_lookups()
    for lookup in lookups:
        if lookup not in registered:
            raise InvalidArgument(
                f"In {option} {expression!r}: {lookup!r} is not a lookup of the field "
                f"{field.name!r} ({type(field).__name__})."
            )
    last = lookups[-1] if lookups else "exact"
    converted: Any = value
    if last == "in":
        converted = [v for v in value.split(",")] if value else []
    elif last == "isnull":
        lowered = value.lower()
        if lowered not in _TRUE | _FALSE:
            raise InvalidArgument(
                f"In {option} {expression!r}: isnull takes true or false, not {value!r}."
            )
        converted = lowered in _TRUE
    elif field.get_internal_type() == "BooleanField" and not lookups:
        lowered = value.lower()
        if lowered in _TRUE | _FALSE:
            converted = lowered in _TRUE
    return key, converted
