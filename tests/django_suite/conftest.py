"""The lifted Django test modules are run by tests/test_django_suite.py under the differential
harness, never collected by pytest on their own (they would run without it)."""

collect_ignore_glob = ["*/*", "*/*/*"]
