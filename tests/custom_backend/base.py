"""A PostgreSQL backend that takes its password from a token provider, as IAM backends do.

It subclasses Django's backend and puts the password in ``get_connection_params()``; the
``PASSWORD`` setting is not used. ``OPTIONS["password_provider"]`` is the dotted path of a
callable ``(user, host, port) -> password``, called for each new connection (tokens expire) and
consumed here, so that it never reaches the driver.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base
from django.utils.module_loading import import_string


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        provider = import_string(params.pop("password_provider"))
        params["password"] = provider(
            user=params.get("user"), host=params.get("host"), port=params.get("port")
        )
        return params
