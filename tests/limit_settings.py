"""Settings of the reliability server tests: the HTTP test URLs and a connection limit."""

from tests.http_settings import *  # noqa: F403

CURSOR_STREAM = {"MAX_CONNECTIONS": 4, "CONNECTION_WAIT": 1.0}
