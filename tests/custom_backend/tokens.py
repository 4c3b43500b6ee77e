"""Password providers for the custom backend of the test suite."""

from __future__ import annotations

import os
import urllib.parse

#: One (user, host, port) entry per token handed out.
issued: list[tuple[str | None, str | None, str | int | None]] = []


def issue_token(*, user: str | None, host: str | None, port: str | int | None) -> str:
    """Return the test server's real password (from ``DATABASE_URL``), as a token service would."""
    issued.append((user, host, port))
    return urllib.parse.unquote(urllib.parse.urlsplit(os.environ["DATABASE_URL"]).password or "")


def unavailable(*, user: str | None, host: str | None, port: str | int | None) -> str:
    """Fail the way a token service that cannot be reached does."""
    raise ConnectionRefusedError("token service at https://tokens.invalid/ refused the request")
