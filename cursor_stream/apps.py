from __future__ import annotations

from django.apps import AppConfig


class CursorStreamConfig(AppConfig):
    name = "cursor_stream"
    verbose_name = "Cursor stream"

    def ready(self) -> None:
        # Registering checks and the signal receivers (settings cache; the handler serving each
        # request, for cursor_stream.http) has side effects, so it happens here rather than at
        # import time (Django's convention for app start-up), before the first request.
        from . import checks, conf, http  # noqa: F401
