"""Output formats: a registry of :class:`Format` classes found by short name or dotted path.

A format is pure and synchronous: it turns rows that PostgreSQL has already
rendered to text into bytes, and says how PostgreSQL should render them (``rendering``) and which
``COPY`` options reproduce its data rows byte for byte (``copy_options``), so that the COPY fast
path and the cursor path write the same file.
"""

from __future__ import annotations

from importlib import import_module

from ..exceptions import InvalidArgument
from .base import Format, Rows
from .csv import CsvFormat, PgTextFormat, TsvFormat
from .json import JsonFormat, JsonLinesFormat
from .xlsx import XlsxFormat

__all__ = [
    "CsvFormat",
    "Format",
    "JsonFormat",
    "JsonLinesFormat",
    "PgTextFormat",
    "Rows",
    "TsvFormat",
    "XlsxFormat",
    "format_for_path",
    "get_format",
    "register",
    "registry",
]

#: Short name -> format class.
registry: dict[str, type[Format]] = {
    cls.name: cls
    for cls in (CsvFormat, TsvFormat, PgTextFormat, JsonLinesFormat, JsonFormat, XlsxFormat)
}


def register(cls: type[Format]) -> type[Format]:
    """Register a format class under its ``name`` (usable as a class decorator)."""
    registry[cls.name] = cls
    return cls


def _import_dotted(path: str) -> object:
    module_name, _, attr = path.rpartition(".")
    if not module_name:
        raise ImportError(path)
    return getattr(import_module(module_name), attr)


def get_format(name_or_path: str | type[Format]) -> type[Format]:
    """Return the format class registered as ``name_or_path``, or importable from that path.

    Raises InvalidArgument if there is none, or if it cannot be used here (xlsx without its
    optional extra).
    """
    cls = _find_format(name_or_path)
    cls.check_available()
    return cls


def _find_format(name_or_path: str | type[Format]) -> type[Format]:
    if isinstance(name_or_path, type) and issubclass(name_or_path, Format):
        return name_or_path
    if not isinstance(name_or_path, str) or not name_or_path:
        raise InvalidArgument(f"Expected a format name or dotted path, got {name_or_path!r}.")
    key = name_or_path.lower()
    if key in registry:
        return registry[key]
    dotted = name_or_path if "." in name_or_path else None
    if dotted is None:
        known = ", ".join(sorted(registry))
        raise InvalidArgument(
            f"Unknown export format {name_or_path!r}; use one of {known}, or the dotted path of "
            "a Format subclass."
        )
    try:
        cls = _import_dotted(dotted)
    except InvalidArgument:
        raise
    except (ImportError, AttributeError) as exc:
        raise InvalidArgument(
            f"The export format {name_or_path!r} cannot be loaded: {exc}"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Format)):
        raise InvalidArgument(
            f"The export format {name_or_path!r} is not a cursor_stream Format subclass."
        )
    return cls


def format_for_path(path: str) -> tuple[type[Format] | None, bool]:
    """Return the format a file name's suffix implies (or None) and whether it ends in ``.gz``."""
    name = path.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    for cls in registry.values():
        if name.endswith("." + cls.extension):
            cls.check_available()
            return cls, gzipped
    return None, gzipped
