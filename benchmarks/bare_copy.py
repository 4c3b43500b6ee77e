"""A bare asyncpg ``copy_from_query()`` writing CSV to a file: the client-CPU floor of COPY.

Usage: ``python benchmarks/bare_copy.py OUT.csv "SELECT ..."`` with the ``PG*`` environment
variables run.py sets (asyncpg reads them as libpq does). No Django, no cursor_stream.
"""

from __future__ import annotations

import asyncio
import sys

import asyncpg


async def main(out: str, sql: str) -> None:
    conn = await asyncpg.connect()
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            with open(out, "wb") as handle:  # noqa: ASYNC230 (as a sink would)

                async def write(data: bytes) -> None:
                    handle.write(data)

                await conn.copy_from_query(sql, output=write, format="csv", header=True)
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
