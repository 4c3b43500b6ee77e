"""Settings of the differential run (tests/django_suite/run.py): the test suite's own settings
plus the lifted apps of Django's test suite.

They live in their own settings module, run in a child process, so that their hundreds of
tables do not slow down every flush of the rest of the test suite. Their app labels are
Django's own (``queries``, ``expressions``, ...), as under Django's runtests.py.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES, INSTALLED_APPS

LIFTED_APPS = [
    "queries",
    "expressions",
    "expressions_window",
    "expressions_case",
    "annotations",
    "aggregation",
    "db_functions",
    "model_fields",
    "model_inheritance",
    "postgres_tests",
]

INSTALLED_APPS = [*INSTALLED_APPS, *(f"tests.django_suite.{app}" for app in LIFTED_APPS)]

# Each compared QuerySet opens a connection of its own (that is what stream() does): on the
# suite's own throwaway cluster, skip the TLS handshake, which would double the run time. TLS
# has its own tests (tests/test_connection.py); values do not depend on it.
if os.environ.get("CURSOR_STREAM_TEST_CLUSTER") and "sslmode" not in DATABASES["default"].get(
    "OPTIONS", {}
):
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "sslmode": "disable",
    }
