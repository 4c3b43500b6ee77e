"""Shared fixtures. Every test talks to a real PostgreSQL server (see tests/settings.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def products(transactional_db: None) -> int:
    """Seed 1,000 deterministic catalogue products, committed so asyncpg connections see them."""
    call_command("seed_products", count=1000, seed=1, stdout=io.StringIO())
    return 1000
