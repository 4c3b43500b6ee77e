"""``python -m tests.slowdata <manage.py arguments>``: every catalog.Product row is slow.

For fault tests that must interrupt an export (or one of its parts) while it runs: the default
manager's QuerySets gain a column that sleeps ``SLOW_ROW_SECONDS`` (default 0.003) per row on
the server.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.core.management import execute_from_command_line
    from django.db.models.expressions import RawSQL

    from catalog.models import Product

    seconds = float(os.environ.get("SLOW_ROW_SECONDS", "0.003"))
    manager = Product._default_manager
    original = manager.get_queryset
    manager.get_queryset = lambda: original().annotate(  # type: ignore[method-assign]
        nap=RawSQL(f"pg_sleep({seconds})::text", ())
    )
    execute_from_command_line(["manage.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
