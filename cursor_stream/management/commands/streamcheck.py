"""``manage.py streamcheck``: connect through asyncpg as exports do and say what was reached."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from cursor_stream.connection import ConnectParams, connect, connect_params
from cursor_stream.exceptions import CursorStreamError
from cursor_stream.management.base import AsyncCommand

PROBE_SQL = """
SELECT current_setting('server_version') AS server_version,
       current_database() AS database,
       current_user AS "user",
       session_user AS session_user,
       host(inet_server_addr()) AS server_addr,
       inet_server_port() AS server_port,
       current_setting('TimeZone') AS timezone,
       current_setting('search_path') AS search_path,
       current_setting('application_name') AS application_name,
       current_setting('transaction_read_only') AS read_only,
       (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl,
       (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl_version
"""


class Command(AsyncCommand):
    help = (
        "Connect to PostgreSQL through asyncpg with the settings of a Django database alias, as "
        "exports do, and print what was reached (password masked)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            default=None,
            help="Database alias to check (default: CURSOR_STREAM['DATABASE'], else 'default').",
        )

    def handle(self, *args: Any, **options: Any) -> str | None:
        # Settings are read and validated in sync code; only the value object crosses into the
        # event loop (docs/architecture.md §2).
        try:
            params = connect_params(options["database"])
        except CursorStreamError as exc:
            raise CommandError(str(exc)) from None
        return super().handle(*args, params=params, **options)

    async def ahandle(self, *args: Any, params: ConnectParams, **options: Any) -> None:
        try:
            conn = await connect(params)
        except CursorStreamError as exc:
            raise CommandError(str(exc)) from None
        try:
            row = await conn.fetchrow(PROBE_SQL)
        finally:
            await conn.close()
        assert row is not None
        if row["server_addr"]:
            address = f"{row['server_addr']}:{row['server_port']}"
        else:
            address = f"Unix socket {', '.join(params.host or ('(libpq default)',))}"
        tls = f"on ({row['ssl_version']})" if row["ssl"] else "off"
        lines = [
            ("alias", params.alias),
            ("server", f"PostgreSQL {row['server_version']}"),
            ("database", row["database"]),
            (
                "user",
                row["user"]
                if row["user"] == row["session_user"]
                else f"{row['user']} (logged in as {row['session_user']})",
            ),
            ("password", "********" if params.password else "(none; trust, passfile or peer)"),
            ("address", address),
            ("tls", tls),
            ("time zone", row["timezone"]),
            ("search_path", row["search_path"]),
            ("application_name", row["application_name"] or "(none)"),
        ]
        width = max(len(name) for name, _ in lines)
        for name, value in lines:
            self.stdout.write(f"{name.ljust(width)}  {value}")
        self.stdout.write(self.style.SUCCESS("Connected through asyncpg."))
