"""Export benchmark: ``streamdata`` against ``psql \\copy`` and Django's documented recipe.

Usage (seeds the demo PostgreSQL, or ``DATABASE_URL``, unless ``--no-seed``)::

    python benchmarks/run.py --rows 1000000 --repeat 3
    make bench                       # the same, ROWS=... REPEAT=... to change
    python benchmarks/run.py --no-seed --only xlsx --only "psql \\copy csv" --only cursor \\
        --xlsx-pythonpath /tmp/before    # xlsx also with an earlier version's source tree

Every measurement is a fresh child process; the commands alternate (one of each per round) so
that cache and machine noise spread evenly. Wall time is end to end, start-up included; the
"export" column subtracts the median of an empty ``streamdata`` export (Django start-up,
connection, a query returning no rows). CPU is the child's user + system time (``os.wait4``),
also less the empty export's for ``streamdata``; peak RSS is its ``ru_maxrss``. The load
average of the machine is printed with the results (it is shared: compare ratios of one run).

Parallel references: two ``psql \\copy`` of the two halves of the key range at once
(``psql 2 ranges``), and a bare asyncpg ``copy_from_query()`` (bare_copy.py) for the client CPU
of the COPY path.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


def halves(out: Path, rows: int) -> list[str]:
    """Return a shell line running ``psql`` on the two halves of the key range at once."""
    middle = rows // 2 + 1
    parts = [
        (f"product_id < {middle}", "psql-1.csv", " HEADER"),
        (f"product_id >= {middle}", "psql-2.csv", ""),
    ]
    line = " & ".join(
        f'psql -X -q -c "\\copy (SELECT {COLUMNS} FROM product WHERE {where} ORDER BY '
        f"product_id) TO '{out}/{name}' CSV{header}\""
        for where, name, header in parts
    )
    return ["bash", "-c", f"{line}; wait"]


def commands(out: Path, rows: int, pythonpaths: Sequence[Path] = ()) -> dict[str, list[str]]:
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
        "psql 2 ranges at once (csv)": halves(out, rows),
        "bare asyncpg copy_from_query (csv)": [
            sys.executable, str(ROOT / "benchmarks" / "bare_copy.py"), str(out / "bare.csv"),
            SELECT,
        ],
        "streamdata csv (auto = copy)": [*streamdata, "-o", str(out / "auto.csv")],
        "streamdata csv --jobs 2": [*streamdata, "--jobs", "2", "-o", str(out / "jobs2.csv")],
        "streamdata csv --gzip": [*streamdata, "-o", str(out / "auto.csv.gz")],
        "streamdata csv --jobs 2 --gzip": [
            *streamdata, "--jobs", "2", "-o", str(out / "jobs2.csv.gz"),
        ],
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


def children_cpu() -> float:
    """Return the CPU seconds of every child waited for so far (and of their children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``argv``; return (wall seconds, peak RSS in MB, CPU seconds) of that child alone.

    CPU includes the child's own children (the two ``psql`` of a shell line); RSS is the
    largest process's. Dirty pages are written back (``sync``) before, not measured.
    """
    # Start every command from a clean page cache: psql does not fsync, and the gigabytes it
    # leaves dirty would otherwise be written back while the next command runs.
    os.sync()
    cpu_before = children_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT / "example_project")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(argv)[:200]}")
    return seconds, usage.ru_maxrss / 1024, children_cpu() - cpu_before


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
            for name, argv in commands(out, args.rows, args.xlsx_pythonpath).items()
            if not any(skip.lower() in name.lower() for skip in args.skip)
            and (not args.only or any(only.lower() in name.lower() for only in args.only))
        }
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in todo}
        sizes: dict[str, int] = {}
        digests: dict[str, str] = {}
        for round_ in range(args.repeat):
            for name, argv in todo.items():
                results[name].append(measure(argv, env))
                print(f"round {round_ + 1}: {name}: {results[name][-1][0]:.2f} s", file=sys.stderr)
                # Outputs are checked and removed at once: gigabytes of them in the page cache
                # would make the next commands pay for reclaiming it.
                for path in out.iterdir():
                    sizes[path.name] = path.stat().st_size
                    digests[path.name] = digest(path)
                    path.unlink()
        check_same_output(digests)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    report(args, results, sizes)


def digest(path: Path) -> str:
    """Return the SHA-256 of a file's content (decompressed for .gz)."""
    import gzip
    import hashlib

    opener: Any = gzip.open if path.name.endswith(".gz") else open
    sha = hashlib.sha256()
    with opener(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def check_same_output(digests: dict[str, str]) -> None:
    """Stop if a parallel or gzip export's output differs from the serial CSV."""
    expected = digests.get("auto.csv")
    for name in ("jobs2.csv", "jobs2.csv.gz", "auto.csv.gz"):
        if expected is not None and name in digests and digests[name] != expected:
            raise SystemExit(f"{name} differs from the serial export")


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
    idle_cpu = med(empty_name, 2) if empty_name in results else 0.0
    psql = {"csv": "psql \\copy csv", "json": "psql \\copy json rows"}
    csv_mb = sizes.get("psql.csv", 0) / 1e6
    print(
        f"\n{args.rows:,} products, median of {args.repeat}; CSV {csv_mb:.0f} MB; "
        f"start-up (empty export) {startup:.2f} s, {idle_cpu:.2f} s CPU, {idle_rss:.0f} MB; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    print(
        "| command | wall s | export s | vs psql (wall) | vs psql (export) | CPU s "
        "| peak RSS MB | +empty MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in results:
        wall, rss, cpu = med(name, 0), med(name, 1), med(name, 2)
        reference = psql["json"] if "json" in name else psql["csv"]
        is_ours = "streamdata" in name or "Django" in name
        export = wall - startup if is_ours and name != empty_name else wall
        if is_ours and name != empty_name:
            cpu -= idle_cpu
        base = med(reference, 0) if reference in results else float("nan")
        print(
            f"| {name} | {wall:.2f} | {export:.2f} | {wall / base:.2f}x | {export / base:.2f}x "
            f"| {cpu:.2f} | {rss:.0f} | {rss - idle_rss:+.0f} |"
        )


if __name__ == "__main__":
    main()
