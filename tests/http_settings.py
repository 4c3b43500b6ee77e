"""Settings for the real servers of the HTTP tests (uvicorn, gunicorn): tests.settings + URLs."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.http_urls"
