"""Core engine benchmark: rows/s and peak RSS of ``stream()`` against a bare asyncpg cursor loop.

Usage (seeds the demo PostgreSQL, or DATABASE_URL, unless --no-seed)::

    python benchmarks/core.py --rows 1000000 --repeat 3

Each measurement runs in a fresh child process, alternating the variants, so peak RSS is that
variant's own (``ru_maxrss`` of the child). Prints medians and the overhead against the bare loop.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = (
    "SELECT product_id, product_name, sku, price, in_stock, status, created_at, description "
    "FROM product"
)
FIELDS = (
    "product_id",
    "product_name",
    "sku",
    "price",
    "in_stock",
    "status",
    "created_at",
    "description",
)
VARIANTS = [
    "bare_asyncpg_cursor",
    "stream_sql",
    "stream_batches_sql",
    "stream_values_list",
    "stream_models",
    "noop",
]


def child(variant: str) -> None:
    sys.path.insert(0, str(ROOT / "example_project"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    import asyncio

    import django

    django.setup()
    import cursor_stream
    from catalog.models import Product
    from cursor_stream.connection import connect, connect_params

    async def run() -> int:
        n = 0
        if variant == "noop":
            return 0
        if variant == "bare_asyncpg_cursor":
            conn = await connect(connect_params())
            try:
                async with conn.transaction(isolation="repeatable_read", readonly=True):
                    async for _row in conn.cursor(SQL, prefetch=2000):
                        n += 1
            finally:
                await conn.close()
        elif variant == "stream_sql":
            async for _row in cursor_stream.stream(SQL, prefetch=2000):
                n += 1
        elif variant == "stream_batches_sql":
            async for batch in cursor_stream.stream_batches(SQL, prefetch=2000):
                n += len(batch)
        elif variant == "stream_values_list":
            async for _row in cursor_stream.stream(Product.objects.values_list(*FIELDS)):
                n += 1
        elif variant == "stream_models":
            async for _row in cursor_stream.stream(Product.objects.only(*FIELDS)):
                n += 1
        return n

    started = time.perf_counter()
    rows = asyncio.run(run())
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    manage = [sys.executable, str(ROOT / "example_project" / "manage.py")]
    if not args.no_seed:
        subprocess.run([*manage, "migrate", "-v", "0"], check=True)
        subprocess.run([*manage, "seed_products", "--count", str(args.rows)], check=True)
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.repeat):
        for variant in VARIANTS:
            out = subprocess.run(
                [sys.executable, __file__, "--child", variant],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            data = json.loads(out.strip().splitlines()[-1])
            results[variant].append((data["seconds"], data["peak_mb"]))
    base = statistics.median(s for s, _ in results["bare_asyncpg_cursor"])
    idle = statistics.median(m for _, m in results["noop"])
    print(f"rows: {args.rows:,}; peak RSS of a child that streams nothing: {idle:.0f} MB")
    print(
        f"{'variant':24} {'median s':>9} {'rows/s':>11} {'vs bare':>8} {'peak MB':>8} {'+idle':>6}"
    )
    for variant in VARIANTS:
        if variant == "noop":
            continue
        med = statistics.median(s for s, _ in results[variant])
        peak = statistics.median(m for _, m in results[variant])
        print(
            f"{variant:24} {med:9.3f} {args.rows / med:11,.0f} {med / base:8.2f}x "
            f"{peak:8.0f} {peak - idle:6.0f}"
        )


if __name__ == "__main__":
    main()
