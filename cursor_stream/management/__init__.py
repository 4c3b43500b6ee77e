"""Management command helpers: :class:`AsyncCommand`, :class:`QuietExit`."""

from __future__ import annotations

from .base import AsyncCommand, QuietExit

__all__ = ["AsyncCommand", "QuietExit"]
