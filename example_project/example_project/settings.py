"""Settings of the example product catalogue.

The database comes from ``DATABASE_URL``; without it, a throwaway PostgreSQL cluster is started
(or reused) under ``.pgdata/demo`` by ``devdb.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import devdb  # noqa: E402

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-project-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "cursor_stream",
    # Background exports (pip install "django-cursor-stream[tasks-db]"): jobs, and their queue
    # in this database, worked by `manage.py db_worker` (make worker).
    "cursor_stream.jobs",
    "django_tasks_db",
    "catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "example_project.wsgi.application"
ASGI_APPLICATION = "example_project.asgi.application"

DATABASE_URL, _CLUSTER = devdb.database_url()
os.environ.setdefault("DATABASE_URL", DATABASE_URL)
DATABASES = {"default": devdb.database_settings(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

# Every key has a default (see the README); the default PREFETCH of 2000 rows per round trip
# measured faster here than 5000 (larger batches cost more than the round trips they save).
CURSOR_STREAM: dict[str, object] = {
    # Results of background exports: a private directory the web server does not serve.
    "JOBS_DIR": os.environ.get("CURSOR_STREAM_JOBS_DIR", str(BASE_DIR.parent / ".exports")),
}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
