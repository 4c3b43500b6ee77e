# Lifted from Django 5.2.19, tests/db_functions/migrations/0001_setup_extensions.py (BSD-3-Clause, see
# tests/django_suite/LICENSE). Local changes are marked '# django_suite:'.
from unittest import mock

from django.db import migrations

try:
    from django.contrib.postgres.operations import CryptoExtension
except ImportError:
    CryptoExtension = mock.Mock()


class Migration(migrations.Migration):
    # Required for the SHA database functions.
    operations = [CryptoExtension()]
