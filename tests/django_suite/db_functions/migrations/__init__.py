# Lifted from Django 5.2.19, tests/db_functions/migrations/__init__.py (BSD-3-Clause, see
# tests/django_suite/LICENSE). Local changes are marked '# django_suite:'.
