"""Testing code that exports: test data must be committed, or an export cannot see it.

An export reads through a connection of its own (asyncpg), not through Django's. Django's
``TestCase`` and pytest-django's ``django_db`` mark (without ``transaction=True``) run each test
inside a transaction that is rolled back at the end and never committed, so the rows a test
creates exist only for Django's connection: an export of them would silently come out empty.

Exports therefore refuse to start when Django's connection to their database is inside such a
test transaction *and* that transaction has written something: they raise
:class:`UncommittedTestDataError`, naming the tables and the fix. Write those tests with
``TransactionTestCase`` or ``@pytest.mark.django_db(transaction=True)``, which commit::

    @pytest.mark.django_db(transaction=True)
    def test_export_lists_new_products(client, admin_user):
        Product.objects.create(...)
        ...

Outside tests nothing is checked (no query is added): only a ``TestCase`` marks its transaction.
"""

from __future__ import annotations

from typing import Any

from .exceptions import CursorStreamError

__all__ = ["UncommittedTestDataError", "check_test_transaction", "in_test_transaction"]

# What the test transaction has written: an assigned transaction id means a write happened
# (https://www.postgresql.org/docs/current/functions-info.html, txid_current_if_assigned), and
# INSERT/UPDATE/DELETE/MERGE keep a ROW EXCLUSIVE lock on each table they changed (TRUNCATE and
# DDL an ACCESS EXCLUSIVE one) until the transaction ends
# (https://www.postgresql.org/docs/current/explicit-locking.html).
_WRITES_SQL = """
SELECT txid_current_if_assigned() IS NOT NULL,
       ARRAY(
           SELECT DISTINCT l.relation::regclass::text
           FROM pg_locks AS l JOIN pg_class AS c ON c.oid = l.relation
           WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
             AND l.mode IN ('RowExclusiveLock', 'AccessExclusiveLock')
             AND c.relkind IN ('r', 'p')
           ORDER BY 1
       )
"""


class UncommittedTestDataError(CursorStreamError):
    """An export started inside a test transaction that holds rows it could never see."""


def in_test_transaction(wrapper: Any) -> bool:
    """Return True if Django's connection ``wrapper`` is inside a ``TestCase`` transaction.

    ``django.test.TestCase`` (which pytest-django's ``django_db`` mark uses too) flags the
    atomic blocks it opens around each test class and test with ``_from_testcase``; Django
    itself relies on that flag to let durable blocks nest in tests (``Atomic.__enter__`` in
    django/db/transaction.py). It is the one sign that a transaction belongs to a test.
    """
    if not wrapper.in_atomic_block:
        return False
    return any(getattr(block, "_from_testcase", False) for block in wrapper.atomic_blocks)


def check_test_transaction(alias: str) -> None:
    """Raise :class:`UncommittedTestDataError` if an export of ``alias`` would miss test rows.

    Called by every export while it is prepared (sync code). Does nothing, and sends nothing,
    unless Django's connection to ``alias`` (or to the database it mirrors in tests) is inside
    a ``TestCase`` transaction; then one query asks the server whether that transaction wrote.
    """
    from django.db import connections

    aliases = [alias]
    mirror = (connections.settings[alias].get("TEST") or {}).get("MIRROR")
    if mirror:
        aliases.append(mirror)
    for name in aliases:
        wrapper = connections[name]
        if not in_test_transaction(wrapper):
            continue
        written = _tables_written(wrapper)
        if written is None:
            continue
        changed = f" (it changed {', '.join(written)})" if written else ""
        raise UncommittedTestDataError(
            f"This export reads DATABASES[{alias!r}] through a connection of its own, which "
            f"cannot see what the current test wrote in its transaction{changed}: "
            "django.test.TestCase and pytest.mark.django_db without transaction=True never "
            "commit. Use django.test.TransactionTestCase or "
            "@pytest.mark.django_db(transaction=True) for tests that export."
        )


def _tables_written(wrapper: Any) -> list[str] | None:
    """Return the tables the open transaction wrote ([] for other writes), None if none.

    Runs on the driver's connection itself rather than through Django's cursor: the query is
    not the test's, so it must not appear in ``assertNumQueries`` or ``connection.queries``.
    """
    raw = wrapper.connection
    if raw is None:
        return None
    try:
        with raw.cursor() as cursor:
            cursor.execute(_WRITES_SQL)
            assigned, tables = cursor.fetchone()
    except wrapper.Database.Error:
        # The test's transaction is already aborted (an error the test expects): nothing to
        # tell, and the export's own error (if any) says more.
        return None
    return list(tables) if assigned else None
