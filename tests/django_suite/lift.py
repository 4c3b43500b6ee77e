"""Copy the lifted modules of Django's own test suite from an unpacked Django sdist.

Run once per upgrade of the lifted version (never at test time)::

    pip download --no-binary :all: --no-deps 'django==5.2.*'
    tar xzf Django-5.2.*.tar.gz
    python tests/django_suite/lift.py django-5.2.*/

Each copied file gets a header naming its origin; the local changes listed in README.md are
then made by hand (they are few and each is marked ``# django_suite:`` in the code).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Django's tests/ paths copied, per lifted app. Whole directories keep their sub-packages.
FILES = {
    "queries": [
        "__init__.py",
        "models.py",
        "tests.py",
        "test_qs_combinators.py",
        "test_iterator.py",
        "test_contains.py",
        "test_bulk_update.py",
        "test_q.py",
    ],
    "expressions": ["__init__.py", "models.py", "tests.py", "test_queryset_values.py"],
    "expressions_window": ["__init__.py", "models.py", "tests.py"],
    "expressions_case": ["__init__.py", "models.py", "tests.py"],
    "annotations": ["__init__.py", "models.py", "tests.py"],
    "aggregation": ["__init__.py", "models.py", "tests.py", "test_filter_argument.py"],
    "db_functions": ["*"],
    "model_fields": [
        "__init__.py",
        "models.py",
        "storage.py",
        "tests.py",
        "test_jsonfield.py",
        "test_uuid.py",
        "test_decimalfield.py",
        "test_durationfield.py",
        "test_datetimefield.py",
        "test_integerfield.py",
        "test_floatfield.py",
        "test_booleanfield.py",
        "test_charfield.py",
        "test_textfield.py",
        "test_binaryfield.py",
        "test_genericipaddressfield.py",
        "test_foreignkey.py",
        "test_manytomanyfield.py",
        "test_generatedfield.py",
        "test_autofield.py",
        "test_slugfield.py",
    ],
    "model_inheritance": ["__init__.py", "models.py", "tests.py"],
    "postgres_tests": [
        "__init__.py",
        "fields.py",
        "models.py",
        "migrations/__init__.py",
        "migrations/0001_setup_extensions.py",
        "migrations/0002_create_test_models.py",
        "test_aggregates.py",
        "test_array.py",
        "test_hstore.py",
        "test_ranges.py",
        "test_search.py",
        "test_trigram.py",
        "test_unaccent.py",
        "test_functions.py",
        "test_bulk_update.py",
    ],
}


def header(version: str, path: str) -> str:
    return (
        f"# Lifted from Django {version}, tests/{path} (BSD-3-Clause, see\n"
        "# tests/django_suite/LICENSE). Local changes are marked '# django_suite:'.\n"
    )


def main(sdist: Path) -> None:
    version = sdist.name.split("-", 1)[1] if "-" in sdist.name else "?"
    shutil.copy(sdist / "LICENSE", HERE / "LICENSE")
    for app, names in FILES.items():
        source = sdist / "tests" / app
        paths = (
            sorted(p.relative_to(source) for p in source.rglob("*.py"))
            if names == ["*"]
            else [Path(n) for n in names]
        )
        for rel in paths:
            target = HERE / app / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            text = (source / rel).read_text()
            target.write_text(header(version, f"{app}/{rel}") + text)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
