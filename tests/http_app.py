"""ASGI and WSGI applications of the HTTP tests' real servers (settings: tests.http_settings)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.http_settings")

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

application = get_asgi_application()
wsgi_application = get_wsgi_application()
