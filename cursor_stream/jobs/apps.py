from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "cursor_stream.jobs"
    label = "cursor_stream_jobs"
    verbose_name = "Background exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Checks and the settings-cache receiver have side effects: registered here, not at
        # import time (Django's convention for app start-up).
        from . import checks, conf  # noqa: F401
