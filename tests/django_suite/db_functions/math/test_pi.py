# Lifted from Django 5.2.19, tests/db_functions/math/test_pi.py (BSD-3-Clause, see
# tests/django_suite/LICENSE). Local changes are marked '# django_suite:'.
import math

from django.db.models.functions import Pi
from django.test import TestCase

from ..models import FloatModel


class PiTests(TestCase):
    def test(self):
        FloatModel.objects.create(f1=2.5, f2=15.9)
        obj = FloatModel.objects.annotate(pi=Pi()).first()
        self.assertIsInstance(obj.pi, float)
        self.assertAlmostEqual(obj.pi, math.pi, places=5)
