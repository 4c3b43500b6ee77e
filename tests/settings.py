"""Settings of the test suite.

The database is ``DATABASE_URL`` when set; otherwise a throwaway cluster ``.pgdata/test-*`` is
started here (with the binaries ``CURSOR_STREAM_DEVDB`` selects: see example_project/devdb.py)
and stopped when the test process exits. The URL is exported so that child processes
(``manage.py`` run as a subprocess, servers under test) use the same server.
"""

from __future__ import annotations

import atexit
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "example_project"))

from boto3.s3.transfer import TransferConfig  # noqa: E402

import devdb  # noqa: E402


def _start_shared_test_cluster() -> str:
    """Start (or join) the throwaway cluster ``test``; the last process to leave stops it.

    Several test processes may run at once (developers, tox envs, PostgreSQL 15 and 18 passes):
    each registers its pid with its cluster under a file lock, and only when no registered
    process is alive any more is that server stopped.
    """
    import fcntl

    cluster = devdb.Cluster("test")
    cluster.base.mkdir(parents=True, exist_ok=True)
    users = cluster.base / f"{cluster.datadir.name}.users"
    users.mkdir(exist_ok=True)
    lock_path = cluster.base / f"{cluster.datadir.name}.lock"

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        (users / str(os.getpid())).touch()
        url = cluster.start()

    def release() -> None:
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            (users / str(os.getpid())).unlink(missing_ok=True)
            for entry in users.iterdir():
                if not entry.name.isdigit() or not alive(int(entry.name)):
                    entry.unlink(missing_ok=True)
            if not any(users.iterdir()):
                cluster.stop()

    atexit.register(release)
    os.environ["CURSOR_STREAM_TEST_CLUSTER"] = str(cluster.base / cluster.name)
    # Tests that open devdb.Cluster("test") (or a cluster of their own) get the same binaries.
    os.environ[devdb.MODE_VARIABLE] = cluster.binaries.kind
    return url


DATABASE_URL = os.environ.get("DATABASE_URL")
if not DATABASE_URL:
    DATABASE_URL = _start_shared_test_cluster()
    os.environ["DATABASE_URL"] = DATABASE_URL

SECRET_KEY = "tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Europe/Paris"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "cursor_stream",
    "cursor_stream.jobs",
    "django_tasks_db",
    "catalog",
    "tests.testapp",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Change-list templates of the admin tests (a per-model override, a custom one).
        "DIRS": [ROOT / "tests" / "templates"],
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
DATABASES = {
    "default": {
        **devdb.database_settings(DATABASE_URL),
        # One test database per test process, so that concurrent runs do not clobber each other.
        "TEST": {"NAME": f"test_cursor_stream_{os.getpid()}"},
    },
    # A non-PostgreSQL alias, for the "refuse other vendors" tests.
    "sqlite": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}
# The sqlite alias gets no PostgreSQL-only tables.
DATABASE_ROUTERS = ["tests.routers.PostgresOnlyApps"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Background exports: a real queue in this database, worked by `manage.py db_worker` processes.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JOBS_DIR = os.environ.get("CURSOR_STREAM_JOBS_DIR") or os.path.join(
    tempfile.gettempdir(), f"cursor-stream-exports-{os.getpid()}"
)
os.environ.setdefault("CURSOR_STREAM_JOBS_DIR", JOBS_DIR)
# Results in a local S3-compatible server (moto) started by the S3 tests, which give child
# workers its address through the environment.
S3_ENDPOINT = os.environ.get("CURSOR_STREAM_S3_ENDPOINT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "exports-s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "exports",
            "endpoint_url": S3_ENDPOINT or "http://127.0.0.1:9",
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "file_overwrite": False,
            # Parts of 5 MB (S3's smallest): a test export of a few parts is a real multipart.
            "transfer_config": TransferConfig(
                multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
            ),
        },
    },
}
CURSOR_STREAM = {
    "JOBS_DIR": JOBS_DIR,
    "JOBS_STORAGE": "exports-s3" if S3_ENDPOINT else None,
    "JOBS_HEARTBEAT_TIMEOUT": 3.0,
    "JOBS_MAX_ATTEMPTS": int(os.environ.get("CURSOR_STREAM_JOBS_MAX_ATTEMPTS") or 3),
    "JOBS_CHECKPOINT_ROWS": int(os.environ.get("CURSOR_STREAM_JOBS_CHECKPOINT_ROWS") or 100_000),
    # Jobs run in-process by tests have no worker for their parts: the leader takes them soon.
    "JOBS_PART_START_TIMEOUT": float(
        os.environ.get("CURSOR_STREAM_JOBS_PART_START_TIMEOUT") or 1.0
    ),
}
# Django 6.1's mailers (earlier versions ignore the setting); the test environment replaces the
# backend of every alias with the locmem outbox.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
