from __future__ import annotations

from django.apps import AppConfig


class CursorStreamConfig(AppConfig):
    name = "cursor_stream"
    verbose_name = "Cursor stream"

    def ready(self) -> None:
        # Registering checks and the settings-cache receiver has side effects, so it happens
        # here rather than at import time (Django's convention for app start-up).
        from . import checks, conf  # noqa: F401
