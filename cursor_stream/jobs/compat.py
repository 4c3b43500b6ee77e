"""Django's Tasks framework: ``django.tasks`` (Django >= 6.0) or the ``django-tasks`` backport."""

from __future__ import annotations

from importlib.util import find_spec

from ..exceptions import ConfigurationError

# The same test as django-tasks-db's: a backend written for one framework is found through it.
if find_spec("django.tasks") is not None:
    from django.tasks import task, task_backends  # type: ignore[no-redef,import-not-found]
else:
    try:
        from django_tasks import task, task_backends  # type: ignore[no-redef]
    except ImportError:  # pragma: no cover - depends on what is installed
        raise ConfigurationError(
            "Background exports need Django's Tasks framework: on Django 5.2 install the "
            "backport with 'pip install django-cursor-stream[tasks]'."
        ) from None

__all__ = ["task", "task_backends"]
