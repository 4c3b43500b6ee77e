"""Background export benchmark: a job through ``db_worker`` processes vs ``streamdata``.

Usage (the demo PostgreSQL, or ``DATABASE_URL``; seeds it unless ``--no-seed``)::

    python benchmarks/jobs.py --rows 1000000 --repeat 3

Each round runs the foreground export (``streamdata catalog.Product -o file.csv``, a fresh
process) and the same export queued with ``streamdata --background`` to a pool of
``db_worker`` processes (``--workers``, two by default) started before the first round
(workers are long-lived). Reported:

* foreground "export s": wall time minus the median start-up of an empty export;
* background "job s": the job's own started -> finished time (claim, export, storage commit);
* background "end to end s": from the queueing command's return until the job is seen done
  (includes the worker's polling interval, ``--interval``, 1 s by default);
* throughput ratio: foreground export s / background job s (>= 0.9 is the target);
* whether the stored result has the foreground file's SHA-256.

``--jobs N`` runs both as parallel exports of N parts: the foreground on N connections of one
process, the job with its parts queued as tasks for the other workers (start N workers).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "example_project"))

from run import MANAGE, measure, psql_env  # noqa: E402


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def memory(pid: int, field: str) -> float:
    """Return a process's VmRSS or VmHWM (peak) in MB, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", default="1", help="db_worker --interval (s), its default")
    parser.add_argument("--jobs", type=int, default=1, help="parts of a parallel export")
    args = parser.parse_args()
    env = psql_env()
    out = Path(tempfile.mkdtemp(prefix="cursor-stream-jobs-bench-"))
    env["CURSOR_STREAM_JOBS_DIR"] = str(out / "storage")
    if not args.no_seed:
        subprocess.run([*MANAGE, "migrate", "-v", "0"], env=env, check=True)
        subprocess.run([*MANAGE, "seed_products", "--count", str(args.rows)], env=env, check=True)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    import django

    django.setup()
    from cursor_stream.jobs.models import ExportJob

    workers = [
        subprocess.Popen(
            [
                *MANAGE,
                "db_worker",
                "--interval",
                args.interval,
                "--no-startup-delay",
                "--no-reload",
            ],
            env=env,
            cwd=ROOT / "example_project",
            stdout=subprocess.DEVNULL,
        )
        for _ in range(args.workers)
    ]
    streamdata = [*MANAGE, "streamdata", "catalog.Product", "--no-progress", "--force", "-v", "0"]
    parallel = ["--jobs", str(args.jobs)] if args.jobs > 1 else []
    empty = [*streamdata, "--filter", "product_id__lt=0", "-o", str(out / "empty.csv")]
    results: dict[str, list[float]] = {"startup": [], "fg": [], "job": [], "e2e": []}
    same: list[bool] = []
    idle_rss: list[float] = []
    peak_rss: list[float] = []
    try:
        time.sleep(2)  # the workers' start-up
        idle_rss = [memory(worker.pid, "VmRSS") for worker in workers]
        for round_ in range(args.repeat):
            results["startup"].append(measure(empty, env)[0])
            fg = [*streamdata, *parallel, "-o", str(out / "fg.csv")]
            results["fg"].append(measure(fg, env)[0])
            queued = subprocess.run(
                [*MANAGE, "streamdata", "catalog.Product", *parallel, "--background", "-v", "0"],
                env=env,
                cwd=ROOT / "example_project",
                capture_output=True,
                text=True,
                check=True,
            )
            since = time.monotonic()
            job_id = int(queued.stdout.strip())
            while not (job := ExportJob.objects.get(pk=job_id)).finished:
                time.sleep(0.05)
            results["e2e"].append(time.monotonic() - since)
            assert job.status == "succeeded", job.status_line()
            assert job.started_at and job.finished_at
            results["job"].append((job.finished_at - job.started_at).total_seconds())
            same.append(job.sha256 == sha256(out / "fg.csv"))
            print(
                f"round {round_ + 1}: foreground {results['fg'][-1]:.2f} s wall, job "
                f"{results['job'][-1]:.2f} s, end to end {results['e2e'][-1]:.2f} s, "
                f"same bytes {same[-1]}",
                file=sys.stderr,
            )
            (out / "storage").exists() and shutil.rmtree(out / "storage" / "exports")
            ExportJob.objects.filter(pk=job_id).delete()
        peak_rss = [memory(worker.pid, "VmHWM") for worker in workers]
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        shutil.rmtree(out, ignore_errors=True)
    med = {name: statistics.median(values) for name, values in results.items()}
    fg_export = med["fg"] - med["startup"]
    jobs = f", --jobs {args.jobs}" if args.jobs > 1 else ""
    print(f"\n{args.rows:,} products, csv{jobs}, median of {args.repeat} rounds\n")
    print("| measure | seconds | rows/s |")
    print("|---|---:|---:|")
    print(
        f"| foreground `streamdata` (export s: wall - start-up) | {fg_export:.2f} | "
        f"{args.rows / fg_export:,.0f} |"
    )
    print(
        f"| background job (started -> finished, {args.workers} db_workers) | {med['job']:.2f} | "
        f"{args.rows / med['job']:,.0f} |"
    )
    print(
        f"| background end to end (queued -> seen finished) | {med['e2e']:.2f} | "
        f"{args.rows / med['e2e']:,.0f} |"
    )
    print(
        f"\nthroughput background/foreground: {fg_export / med['job']:.2f}x "
        f"(end to end {fg_export / med['e2e']:.2f}x); identical bytes in every round: "
        f"{all(same)}"
    )
    print(
        f"workers' memory: idle {', '.join(f'{m:.0f}' for m in idle_rss)} MB, peak after "
        f"{args.repeat} jobs {', '.join(f'{m:.0f}' for m in peak_rss)} MB"
    )


if __name__ == "__main__":
    main()
