"""Stream Django QuerySets of any size out of PostgreSQL with constant memory."""

from __future__ import annotations

__version__ = "0.1.0"
