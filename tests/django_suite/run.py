"""Run the lifted Django test modules under the differential harness; write a JSON report.

    DJANGO_SETTINGS_MODULE=tests.django_suite.settings \\
        python -m tests.django_suite.run --variant naive --out report.json [--module queries]

A child process of tests/test_django_suite.py (one per time-zone variant, run side by side); it
creates and drops its own test database. Variants:

* ``aware``: the settings as they are (``USE_TZ = True``, ``TIME_ZONE = "Europe/Paris"``);
* ``naive``: ``override_settings(USE_TZ=False)``: Django's connections then use the Paris time
  zone and return naive local datetimes (checked before the run).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import sys
import time
import unittest
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

VARIANTS: dict[str, dict[str, Any]] = {
    "aware": {},
    "naive": {"USE_TZ": False},
}


def test_modules(app: str) -> list[str]:
    """Return the dotted names of the lifted test modules of ``app``."""
    root = HERE / app
    names = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "tests.py" or path.name.startswith("test_"):
            rel = path.relative_to(HERE).with_suffix("")
            names.append("tests.django_suite." + ".".join(rel.parts))
    return names


class Result(unittest.TestResult):
    def __init__(self, stats: Any, harness: Any) -> None:
        super().__init__()
        self.stats = stats
        self.harness = harness

    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        self.harness.test_id = test.id().removeprefix("tests.django_suite.")
        self.stats.tests += 1

    def addFailure(self, test: Any, err: Any) -> None:
        super().addFailure(test, err)
        self.stats.failures += 1
        self.stats.failing_tests.append(f"FAIL {_short(test)}: {_first_line(err)}")

    def addError(self, test: Any, err: Any) -> None:
        super().addError(test, err)
        self.stats.errors += 1
        self.stats.failing_tests.append(f"ERROR {_short(test)}: {_first_line(err)}")

    def addSkip(self, test: Any, reason: str) -> None:
        super().addSkip(test, reason)
        self.stats.skipped += 1


def _short(test: Any) -> str:
    return str(test.id() if hasattr(test, "id") else test).removeprefix("tests.django_suite.")


def _first_line(err: Any) -> str:
    exc = err[1]
    text = f"{type(exc).__name__}: {exc}".splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def suite_for(app: str, stats: Any) -> unittest.TestSuite:
    """Load the database test classes of ``app``, each wrapped with CommittedData."""
    from django.test import TransactionTestCase

    from .harness import CommittedData

    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for name in test_modules(app):
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            # Counted as errors of the lifted tests: never silently fewer tests.
            stats.errors += 1
            stats.failing_tests.append(f"IMPORT {name}: {type(exc).__name__}: {exc}")
            continue
        for attr in vars(module).values():
            if not (
                isinstance(attr, type)
                and issubclass(attr, TransactionTestCase)
                and attr.__module__ == module.__name__
            ):
                continue
            databases = attr.databases
            if databases == "__all__" or not set(databases) <= {"default"}:
                stats.not_compared[f"test class skipped: databases={sorted(databases)}"] += 1
                continue
            wrapped = type(
                attr.__name__,
                (CommittedData, attr),
                {"__module__": attr.__module__, "__qualname__": attr.__qualname__},
            )
            tests = loader.loadTestsFromTestCase(wrapped)
            if tests.countTestCases():
                stats.classes += 1
                suite.addTests(tests)
    return suite


def check_variant(variant: str) -> None:
    """Prove the ORM side really runs under the variant's time-zone settings."""
    from django.conf import settings
    from django.db import connection
    from django.db.models.functions import Now

    from .harness import HARNESS

    with HARNESS._quiet():
        from django.contrib.contenttypes.models import ContentType

        now = ContentType.objects.annotate(now=Now()).values_list("now", flat=True)[:1][0]
    if variant == "naive":
        assert not settings.USE_TZ and connection.timezone_name == settings.TIME_ZONE, (
            connection.timezone_name
        )
        assert now.tzinfo is None, f"USE_TZ=False, yet the ORM returned {now!r}"
    else:
        assert settings.USE_TZ and connection.timezone_name == "UTC", connection.timezone_name
        assert now.utcoffset() == datetime.timedelta(0), now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    parser.add_argument("--module", action="append", help="lifted app (default: all)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_suite.settings")
    # As the pytest configuration does: a warning is an error (here: an error of the test)...
    warnings.simplefilter("error")
    # ... except the one Django's suite, written for USE_TZ = False, gives under the "aware"
    # variant: the naive datetime is then read in the current time zone, which is what a
    # project with USE_TZ = True gets; the QuerySets built on it are still worth comparing.
    warnings.filterwarnings("ignore", r".* received a naive datetime", RuntimeWarning)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import setup_test_environment, teardown_test_environment

    from .harness import HARNESS, ModuleStats

    apps = args.module or list(settings.LIFTED_APPS)
    report: dict[str, Any] = {
        "variant": args.variant,
        "django": django.get_version(),
        "modules": {},
    }
    setup_test_environment()
    started = time.monotonic()
    # No serialized copy of the database (no test here uses serialized_rollback); Django 6.0
    # deprecates the argument and no longer serializes by default.
    options = {"serialize": False} if django.VERSION < (6, 0) else {}
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, **options)
    report["create_db_seconds"] = round(time.monotonic() - started, 1)
    try:
        from django.apps import apps as registry

        HARNESS.lifted_tables = sorted(
            {
                model._meta.db_table
                for label in settings.LIFTED_APPS
                for model in registry.get_app_config(label).get_models(include_auto_created=True)
                if model._meta.managed and not model._meta.proxy
            }
        )
        with override_settings(**VARIANTS[args.variant]), HARNESS.installed():
            check_variant(args.variant)
            for app in apps:
                stats = ModuleStats(app)
                module_started = time.monotonic()
                suite = suite_for(app, stats)
                HARNESS.stats = stats
                try:
                    suite.run(Result(stats, HARNESS))
                finally:
                    HARNESS.stats = None
                    HARNESS.reset()
                data = stats.as_json()
                data["seconds"] = round(time.monotonic() - module_started, 1)
                report["modules"][app] = data
                print(
                    f"{args.variant} {app}: {data['tests']} tests, {data['compared']} compared, "
                    f"{data['shapes']} shapes, {data['mismatch_count']} mismatches, "
                    f"{data['seconds']} s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    report["seconds"] = round(time.monotonic() - started, 1)
    Path(args.out).write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
