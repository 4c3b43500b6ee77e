"""Management command helpers: :class:`AsyncCommand`."""

from __future__ import annotations

from .base import AsyncCommand

__all__ = ["AsyncCommand"]
