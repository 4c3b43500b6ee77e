"""Model field paths (``category__name``, ``pk``, ``attributes__color``) checked against ``_meta``.

A path is what ``values()``, ``filter()`` and ``order_by()`` accept: field names joined by
``__``, following forward relations (foreign keys, one-to-one fields); ``pk`` stands for the
primary key at any step, as in Django. After a ``JSONField`` the remaining names are JSON keys
(``attributes__sizes__0``), which Django sends as query parameters (``KeyTransform``). After
any other field they are transforms registered on it (``created_at__year``,
``created_at__date``), which ``values()`` computes in SQL.

Anything else (quotes, ``;``, whitespace, control characters, reverse or many-to-many
relations, lookups that are not registered) is refused with an :class:`InvalidArgument` naming
it, before any SQL is built; filter values always travel as query parameters. JSON keys are
limited to letters, digits and underscores: Django sends the key itself as a parameter, but the
whole path also becomes a column alias, and column aliases are where JSON keys from user input
have reached SQL before (CVE-2024-42005, CVE-2022-28346).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist

from .exceptions import InvalidArgument

LOOKUP_SEP = "__"

#: One JSON key of a field path: letters, digits and underscores of any script.
JSON_KEY = re.compile(r"\w+")

#: Lookups on a JSON value whose command-line value is read as JSON when it parses
#: (``attributes__weight_g__gte=1000`` compares numbers, ``attributes__color=blue`` a string).
JSON_VALUE_LOOKUPS = frozenset(
    {"exact", "lt", "lte", "gt", "gte", "in", "contains", "contained_by"}
)
#: Lookups taking a comma-separated list.
LIST_LOOKUPS = frozenset({"in", "has_keys", "has_any_keys"})


@dataclass(frozen=True)
class FieldPath:
    """A checked field path: the model field it ends on, then JSON keys or transforms."""

    path: str
    field: Any
    keys: tuple[str, ...] = ()
    #: Names of transforms registered on the field (``year``), applied in this order.
    transforms: tuple[str, ...] = ()
    #: The model fields the path goes through, one per name before the keys or transforms.
    chain: tuple[Any, ...] = ()


def _describe(model: Any) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def is_json_field(field: Any) -> bool:
    """Return whether ``field`` holds JSON whose keys can follow it in a path."""
    return bool(field is not None and field.get_internal_type() == "JSONField")


def _get_field(model: Any, name: str) -> Any:
    if name == "pk":
        return model._meta.pk
    return model._meta.get_field(name)


def _walk(model: Any, parts: Sequence[str], path: str, argument: str) -> tuple[Any, int, Any]:
    """Follow ``parts`` through model fields as far as they go.

    Return the last field, the number of parts it took, and the model it belongs to. Stops at
    the first part that is not a field (for filters: a lookup), and after a JSONField.
    """
    current, field, taken = model, None, 0
    for index, part in enumerate(parts):
        if field is not None:
            if is_json_field(field) or not (
                field.is_relation and (field.many_to_one or field.one_to_one)
            ):
                break
            if not field.concrete:
                raise InvalidArgument(
                    f"Unknown {argument} {path!r}: reverse relation {parts[index - 1]!r} can "
                    "match several rows per object and cannot be exported."
                )
            try:
                _get_field(field.related_model, part)
            except FieldDoesNotExist:
                break
            current = field.related_model
        try:
            field = _get_field(current, part)
        except FieldDoesNotExist:
            if index == 0:
                raise InvalidArgument(
                    f"Unknown {argument} {path!r}: {_describe(current)} has no field {part!r}. "
                    f"Its fields are: {_field_names(current)}."
                ) from None
            break
        if field.many_to_many or (field.is_relation and not field.concrete):
            raise InvalidArgument(
                f"Unknown {argument} {path!r}: {part!r} of {_describe(current)} is a "
                "many-valued relation and cannot be exported."
            )
        taken = index + 1
    return field, taken, current


def _field_names(model: Any) -> str:
    # Many-to-many fields cannot be exported (and count as concrete from Django 6.0 on).
    return ", ".join(
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and not f.many_to_many
    )


def _check_keys(keys: Sequence[str], path: str, argument: str) -> tuple[str, ...]:
    for key in keys:
        if not JSON_KEY.fullmatch(key):
            raise InvalidArgument(
                f"Unknown {argument} {path!r}: the JSON key {key!r} may hold only letters, "
                "digits and underscores here (export other keys with --sql or an annotation)."
            )
    return tuple(keys)


def resolve_path(model: Any, path: str, *, argument: str = "field") -> FieldPath:
    """Return the checked :class:`FieldPath` of ``path`` (model fields, then keys or transforms)."""
    if not isinstance(path, str) or not path:
        raise InvalidArgument(f"Empty {argument} name given for {_describe(model)}.")
    parts = path.split(LOOKUP_SEP)
    field, taken, current = _walk(model, parts, path, argument)
    chain = _chain(model, parts[:taken])
    rest = parts[taken:]
    if not rest:
        return FieldPath(path, field, chain=chain)
    if is_json_field(field):
        return FieldPath(path, field, _check_keys(rest, path, argument), chain=chain)
    if field.is_relation and (field.many_to_one or field.one_to_one):
        target = field.related_model
        raise InvalidArgument(
            f"Unknown {argument} {path!r}: {_describe(target)} has no field {rest[0]!r}. "
            f"Its fields are: {_field_names(target)}."
        )
    _check_transforms(field, rest, path, argument, f"{parts[taken - 1]!r} of {_describe(current)}")
    return FieldPath(path, field, transforms=tuple(rest), chain=chain)


def _chain(model: Any, parts: Sequence[str]) -> tuple[Any, ...]:
    """Return the fields named by ``parts`` (already checked by :func:`_walk`), one per part."""
    fields, current = [], model
    for part in parts:
        field = _get_field(current, part)
        fields.append(field)
        if field.is_relation and field.related_model is not None:
            current = field.related_model
    return tuple(fields)


def transform_names(source: Any) -> list[str]:
    """Return the names of the transforms registered on a field (or an output field)."""
    from django.db.models import Transform

    return sorted(
        name
        for name, lookup in source.get_lookups().items()
        if isinstance(lookup, type) and issubclass(lookup, Transform)
    )


def _check_transforms(
    field: Any, names: Sequence[str], path: str, argument: str, where: str
) -> None:
    """Refuse ``names`` unless each is a transform of what the one before it gives.

    ``values("created_at__year")`` and ``order_by()`` apply transforms registered on the field
    (``Field.get_transform()``), as ``filter()`` does before its lookup; anything else, lookups
    (``exact``, ``gte``) included, is no column.
    """
    from django.db.models.expressions import Expression

    source = field
    for name in names:
        transform = source.get_transform(name)
        if transform is None:
            offered = transform_names(source)
            known = f"its transforms are: {', '.join(offered)}" if offered else "it has none"
            raise InvalidArgument(
                f"Unknown {argument} {path!r}: {where} is not a relation that can be followed "
                "(only foreign keys, one-to-one fields and JSON fields are), and "
                f"{name!r} is not a transform of {type(source).__name__} ({known})."
            )
        # What the transform gives decides which transforms can follow (date, then year).
        source = transform(Expression(output_field=source)).output_field


def resolve_field_path(model: Any, path: str, *, argument: str = "field") -> Any:
    """Return the model field at the end of ``path`` (the JSONField of a JSON key path)."""
    return resolve_path(model, path, argument=argument).field


def validate_fields(model: Any, paths: Sequence[str]) -> list[Any]:
    """Return the fields of ``paths``; raise :class:`InvalidArgument` naming a bad one."""
    if isinstance(paths, str):
        raise InvalidArgument(f"fields must be a list of field paths, not the string {paths!r}.")
    if not paths:
        raise InvalidArgument("fields must name at least one field.")
    return [resolve_field_path(model, p) for p in paths]


def json_key_paths(model: Any, paths: Sequence[str]) -> list[str]:
    """Return the paths among ``paths`` that end in JSON keys."""
    return [p for p in paths if resolve_path(model, p).keys]


def validate_order_by(model: Any, items: Sequence[str]) -> list[str]:
    """Check ``-field__path`` ordering terms and return them."""
    for item in items:
        resolve_path(model, item[1:] if item.startswith("-") else item, argument="ordering")
    return list(items)


_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}


def _json_lookups(field: Any, keys: Sequence[str]) -> set[str]:
    """Return the lookup names Django accepts after ``field`` followed by ``keys``."""
    from django.db.models.fields.json import KeyTransform

    lookups = set(field.get_lookups())
    if keys:
        lookups |= set(KeyTransform.get_class_lookups())
    return lookups


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_filter(model: Any, expression: str, *, option: str = "--filter") -> tuple[str, Any]:
    """Parse ``FIELD__PATH[__LOOKUP]=VALUE`` into a ``filter()`` keyword and its value.

    The lookup (``exact``, ``in``, ``gte``, ``icontains``, ``year``, ...) must be one registered
    on the field; ``in`` takes a comma-separated list and ``isnull`` a boolean. After a JSON
    key path (``attributes__color=blue``) the last name is a lookup when Django would read it
    as one, and the value of a comparison is read as JSON when it parses (``3``, ``true``,
    ``null``, ``"3"``), else as text, as Django compares JSON values.
    """
    key, sep, value = expression.partition("=")
    if not sep or not key:
        raise InvalidArgument(
            f"Malformed {option} {expression!r}: expected FIELD__LOOKUP=VALUE, e.g. "
            "price__gte=10 or category__name=Books."
        )
    parts = key.split(LOOKUP_SEP)
    try:
        field, taken, _model = _walk(model, parts, key, "field")
    except InvalidArgument as exc:
        raise InvalidArgument(f"In {option} {expression!r}: {exc}") from None
    rest = parts[taken:]
    json_path = is_json_field(field)
    if json_path:
        # As Django's Query.build_lookup(): the last name is a lookup if the value before it
        # has one of that name, else one more key (compared with exact).
        keys, lookups = rest, []
        if rest and rest[-1] in _json_lookups(field, rest[:-1]):
            keys, lookups = rest[:-1], rest[-1:]
        try:
            _check_keys(keys, key, "field")
        except InvalidArgument as exc:
            raise InvalidArgument(f"In {option} {expression!r}: {exc}") from None
    else:
        lookups = rest
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
    if last in LIST_LOOKUPS:
        converted = list(value.split(",")) if value else []
        if json_path and last == "in":
            converted = [_json_value(v) for v in converted]
    elif last == "isnull":
        lowered = value.lower()
        if lowered not in _TRUE | _FALSE:
            raise InvalidArgument(
                f"In {option} {expression!r}: isnull takes true or false, not {value!r}."
            )
        converted = lowered in _TRUE
    elif json_path and last in JSON_VALUE_LOOKUPS:
        converted = _json_value(value)
    elif field.get_internal_type() == "BooleanField" and not lookups:
        lowered = value.lower()
        if lowered in _TRUE | _FALSE:
            converted = lowered in _TRUE
    return key, converted
