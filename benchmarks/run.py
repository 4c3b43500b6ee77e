"""Export benchmark: ``streamdata`` against ``psql \\copy`` and Django's documented recipe.

Usage (seeds the demo PostgreSQL, or ``DATABASE_URL``, unless ``--no-seed``)::

    python benchmarks/run.py --rows 1000000 --repeat 3
    make bench                       # the same, ROWS=... REPEAT=... to change
    python benchmarks/run.py --no-seed --only xlsx --only "psql \\copy csv" --only cursor \\
        --xlsx-pythonpath /tmp/before    # xlsx also with an earlier version's source tree

Every measurement is a fresh child process; the commands alternate (one of each per round) so
that cache and machine noise spread evenly. Wall time is end to end, start-up included; the
"export" column subtracts the median of an empty ``streamdata`` export (Django start-up,
connection, a query returning no rows). Peak RSS is the child's ``ru_maxrss`` (``os.wait4``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "example_project" / "manage.py")]
COLUMNS = (
    "product_id, product_name, sku, category_id, price, in_stock, status, attributes, "
    "created_at, description"
)
SELECT = f"SELECT {COLUMNS} FROM product ORDER BY product_id"

RECIPE = """
import csv, os
from catalog.models import Product
fields = [f.attname for f in Product._meta.concrete_fields]
with open("BENCH_OUT", "w", newline="", encoding="utf-8") as handle:
    writer = csv.writer(handle)
    writer.writerow(fields)
    for row in Product.objects.order_by("pk").values_list(*fields).iterator(chunk_size=2000):
        writer.writerow(row)
"""


def psql_env() -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "example_project"))
    import devdb

    url, _ = devdb.database_url()
    settings = devdb.database_settings(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PGHOST": settings["HOST"],
        "PGPORT": settings["PORT"],
        "PGUSER": settings["USER"],
        "PGPASSWORD": settings["PASSWORD"],
        "PGDATABASE": settings["NAME"],
        "PGTZ": "UTC",
    }
    for key, value in settings["OPTIONS"].items():
        if key.startswith("ssl"):
            env[f"PG{key.upper()}"] = str(value)
    return env


def commands(out: Path, pythonpaths: Sequence[Path] = ()) -> dict[str, list[str]]:
    streamdata = [*MANAGE, "streamdata", "catalog.Product", "--no-progress", "--force", "-v", "0"]
    # The xlsx command again with a directory first on the path: the source tree of an earlier
    # version of the package, or one shadowing an optional package.
    other_xlsx = {
        f"streamdata xlsx, {path.name}": [
            "env", f"PYTHONPATH={path}", *streamdata, "-o", str(out / f"{path.name}.xlsx"),
        ]
        for path in pythonpaths
    }  # fmt: skip
    return {
        "psql \\copy csv": [
            "psql", "-X", "-q", "-c", f"\\copy ({SELECT}) TO '{out}/psql.csv' CSV HEADER",
        ],
        "streamdata csv (auto = copy)": [*streamdata, "-o", str(out / "auto.csv")],
        "streamdata csv --engine cursor": [
            *streamdata, "--engine", "cursor", "-o", str(out / "cursor.csv"),
        ],
        "psql \\copy json rows": [
            "psql", "-X", "-q", "-c",
            f"\\copy (SELECT row_to_json(r) FROM ({SELECT}) r) TO '{out}/psql.jsonl'",
        ],
        "streamdata jsonl (auto = copy)": [*streamdata, "-o", str(out / "auto.jsonl")],
        "streamdata xlsx": [*streamdata, "-o", str(out / "streamed.xlsx")],
        **other_xlsx,
        "Django values_list().iterator() + csv.writer": [
            *MANAGE, "shell", "-c", RECIPE.replace("BENCH_OUT", str(out / "django.csv")),
        ],
        "streamdata, empty export (start-up)": [
            *streamdata, "--filter", "product_id__lt=0", "-o", str(out / "empty.csv"),
        ],
    }  # fmt: skip


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``argv``; return (wall seconds, peak RSS in MB, CPU seconds) of that child alone.

    CPU time (user + system, all threads) depends less than wall time on what else the machine
    runs; the database server's own CPU is not in it.
    """
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT / "example_project")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)[:200]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--skip", action="append", default=[], help="skip commands containing")
    parser.add_argument(
        "--only", action="append", default=[], help="run only commands containing (repeatable)"
    )
    parser.add_argument(
        "--xlsx-pythonpath",
        type=Path,
        action="append",
        default=[],
        help="adds the xlsx export with this directory first on PYTHONPATH (repeatable)",
    )
    args = parser.parse_args()
    env = psql_env()
    if not args.no_seed:
        subprocess.run([*MANAGE, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run([*MANAGE, "seed_products", "--count", str(args.rows)], env=env, check=True)
    out = Path(tempfile.mkdtemp(prefix="cursor-stream-bench-"))
    try:
        todo = {
            name: argv
            for name, argv in commands(out, args.xlsx_pythonpath).items()
            if not any(skip.lower() in name.lower() for skip in args.skip)
            and (not args.only or any(only.lower() in name.lower() for only in args.only))
        }
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in todo}
        for round_ in range(args.repeat):
            for name, argv in todo.items():
                results[name].append(measure(argv, env))
                load = os.getloadavg()[0]
                print(
                    f"round {round_ + 1}: {name}: {results[name][-1][0]:.2f} s (load {load:.2f})",
                    file=sys.stderr,
                )
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    report(args, results, sizes)


def report(
    args: argparse.Namespace,
    results: dict[str, list[tuple[float, float, float]]],
    sizes: dict[str, int],
) -> None:
    def med(name: str, index: int) -> float:
        return statistics.median(r[index] for r in results[name])

    empty_name = "streamdata, empty export (start-up)"
    startup = med(empty_name, 0) if empty_name in results else 0.0
    idle_rss = med(empty_name, 1) if empty_name in results else 0.0
    psql = {"csv": "psql \\copy csv", "json": "psql \\copy json rows"}
    csv_mb = sizes.get("psql.csv", 0) / 1e6
    xlsx_mb = sizes.get("streamed.xlsx", 0) / 1e6
    print(
        f"\n{args.rows:,} products, median of {args.repeat}; CSV {csv_mb:.0f} MB, xlsx "
        f"{xlsx_mb:.0f} MB; start-up (empty export) {startup:.2f} s, {idle_rss:.0f} MB\n"
    )
    print(
        "| command | wall s | export s | rows/s (export) | vs psql (wall) | vs psql (export) "
        "| CPU s | peak RSS MB | +empty MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in results:
        wall, rss, cpu = med(name, 0), med(name, 1), med(name, 2)
        reference = psql["json"] if "json" in name else psql["csv"]
        is_ours = "streamdata" in name or "Django" in name
        export = wall - startup if is_ours and name != empty_name else wall
        base = med(reference, 0) if reference in results else float("nan")
        rate = f"{args.rows / export:,.0f}" if name != empty_name and export > 0 else ""
        print(
            f"| {name} | {wall:.2f} | {export:.2f} | {rate} | {wall / base:.2f}x "
            f"| {export / base:.2f}x | {cpu:.2f} | {rss:.0f} | {rss - idle_rss:+.0f} |"
        )


if __name__ == "__main__":
    main()
