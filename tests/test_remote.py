"""Parts of a parallel export run by other processes: workers, time-outs, failures, signatures."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.core.management import CommandError, call_command

from catalog.models import Product
from cursor_stream.connection import connect, connect_params
from cursor_stream.exceptions import InvalidArgument
from cursor_stream.export import PreparedExport
from cursor_stream.parts import PartSpec
from cursor_stream.remote import (
    SALT,
    PartRunner,
    RemoteOutput,
    SubprocessRunner,
    run_part,
    sign_part,
    unsign_part,
)
from tests.test_parallel import (
    WRITES,
    assert_no_backend_left,
    backends,
    commit,
    comparable,
    export,
    run,
    slow_products,
)
from tests.test_streamdata import child_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "example_project" / "manage.py")]


async def wait_for_backend(monitor: Any, name: str, within: float = 30.0) -> None:
    """Wait until a backend whose application_name contains ``name`` runs."""
    deadline = time.monotonic() + within
    while not any(name in n for _, _, n in await backends(monitor, set())):
        if time.monotonic() > deadline:
            raise AssertionError(f"no backend {name!r} within {within} s")
        await asyncio.sleep(0.01)


def workers(tmp_path: Path, **kwargs: Any) -> SubprocessRunner:
    return SubprocessRunner(MANAGE, directory=tmp_path, env=child_env(), **kwargs)


def run_with(prepared: PreparedExport, runner: PartRunner, **kwargs: Any) -> bytes:
    async def collect() -> bytes:
        out = []
        chunks = prepared.achunks(runner=runner, **kwargs)
        async with contextlib.aclosing(chunks) as body:
            async for chunk in body:
                out.append(chunk)
        return b"".join(out)

    return asyncio.run(collect())


class Recorder(PartRunner):
    """A runner that starts nothing (no worker ever comes), remembering what it was given."""

    def __init__(self, start_timeout: float = 0.5) -> None:
        self.start_timeout = start_timeout
        self.descriptions: list[str] = []

    async def start(self, description: str, spec: PartSpec) -> None:
        self.descriptions.append(description)

    async def result(self, spec: PartSpec) -> RemoteOutput | None:
        return None

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(("fmt", "engine"), [("csv", "copy"), ("json", "copy"), ("xlsx", "cursor")])
def test_worker_processes_run_the_parts_and_the_output_is_the_serial_one(
    products, tmp_path, fmt, engine
):
    serial = run(export(Product.objects.all(), format=fmt, engine=engine))
    runner = workers(tmp_path)
    parallel = run_with(export(Product.objects.all(), 3, format=fmt, engine=engine), runner)
    assert comparable(fmt, parallel) == comparable(fmt, serial)
    assert len(runner.processes) == 2  # parts 2 and 3
    results = [runner.results[n] for n in (2, 3)]
    assert [r.status if r else None for r in results] == ["done", "done"]
    assert os.listdir(tmp_path) == []  # the parts' files are gone


def test_worker_parts_are_gzip_members_compressed_where_they_ran(products, tmp_path):
    serial = run(export(Product.objects.all()))
    data = run_with(export(Product.objects.all(), 3), workers(tmp_path), gzip=True)
    assert gzip.decompress(data) == serial


def test_gzip_bytes_are_the_same_whoever_runs_the_parts(products, tmp_path):
    # Workers, nobody (the leader takes every part over), or no runner at all: one member per
    # part each time, so the same bytes.
    by_workers = run_with(export(Product.objects.all(), 3), workers(tmp_path), gzip=True)
    by_leader = run_with(export(Product.objects.all(), 3), Recorder(start_timeout=0.1), gzip=True)
    in_process = run(export(Product.objects.all(), 3), gzip=True)
    assert by_leader == by_workers == in_process


def test_workers_read_the_leaders_snapshot_while_the_table_changes(products, tmp_path):
    before = run(export(Product.objects.all()))
    prepared = export(Product.objects.all(), 4)
    runner = workers(tmp_path)

    async def scenario() -> bytes:
        out = []
        async with contextlib.aclosing(prepared.achunks(runner=runner)) as chunks:
            async for chunk in chunks:
                out.append(chunk)
                if len(out) == 1:
                    for write in WRITES:
                        await commit(write)
        return b"".join(out)

    assert asyncio.run(scenario()) == before


def test_parts_no_worker_starts_are_run_by_the_leader_after_the_timeout(products):
    serial = run(export(Product.objects.all(), format="jsonl"))
    runner = Recorder(start_timeout=0.3)
    started = time.monotonic()
    assert run_with(export(Product.objects.all(), 3, format="jsonl"), runner) == serial
    assert time.monotonic() - started >= 0.3
    assert len(runner.descriptions) == 2
    # A worker that comes late finds the export over: nothing to do, no file.
    ran = streampart(runner.descriptions[0], Path("/nonexistent/part"))
    assert ran.returncode == 0, ran.stderr
    late = json.loads(ran.stdout)
    assert late == {"status": "expired", "part": 2, "rows": 0, "bytes": 0}


def test_a_part_the_leader_took_over_is_never_run_again_by_a_late_worker(products, tmp_path):
    prepared = export(slow_products(0.001), 3)
    runner = Recorder(start_timeout=0.0)

    async def scenario() -> None:
        monitor = await connect(connect_params())
        try:
            async with contextlib.aclosing(prepared.achunks(runner=runner)) as chunks:
                async for _ in chunks:
                    held = await monitor.fetchval(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    )
                    if held:
                        break
                # The leader holds part 2 (it runs it now): a worker is too late.
                target = tmp_path / "late"
                result = await asyncio.to_thread(run_part, runner.descriptions[0], target)
                assert result == {"status": "taken", "part": 2, "rows": 0, "bytes": 0}
                assert not target.exists()
        finally:
            await monitor.close()

    asyncio.run(scenario())


def test_a_killed_worker_is_noticed_and_its_part_run_by_the_leader(products, tmp_path):
    """SIGKILL mid-part: no file from it, its backend gone, the leader reruns the part."""
    prepared = export(slow_products(0.002), 3)
    serial = run(export(slow_products(0.002)))
    runner = workers(tmp_path, start_timeout=60)

    async def scenario() -> bytes:
        monitor = await connect(connect_params())
        try:
            baseline = {pid for pid, _, _ in await backends(monitor, set())}
            consumer = asyncio.ensure_future(collect(prepared, runner))
            await wait_for_backend(monitor, "part 3/3")
            runner.processes[3].send_signal(signal.SIGKILL)
            data = await consumer
            await assert_no_backend_left(monitor, baseline)
            return data
        finally:
            await monitor.close()

    assert asyncio.run(scenario()) == serial
    assert runner.results[3] is None  # it failed; the leader ran part 3
    assert os.listdir(tmp_path) == []


async def collect(prepared: PreparedExport, runner: PartRunner) -> bytes:
    out = []
    async with contextlib.aclosing(prepared.achunks(runner=runner)) as chunks:
        async for chunk in chunks:
            out.append(chunk)
    return b"".join(out)


def test_closing_the_export_stops_its_workers_and_leaves_nothing(products, tmp_path):
    prepared = export(slow_products(0.002), 3)
    runner = workers(tmp_path)

    async def scenario() -> None:
        monitor = await connect(connect_params())
        try:
            baseline = {pid for pid, _, _ in await backends(monitor, set())}
            chunks = prepared.achunks(runner=runner)
            await anext(chunks)
            await anext(chunks)
            await wait_for_backend(monitor, "part 3/3")
            await chunks.aclose()
            assert all(p.returncode is not None for p in runner.processes.values())
            await assert_no_backend_left(monitor, baseline)
        finally:
            await monitor.close()

    asyncio.run(scenario())
    assert os.listdir(tmp_path) == []


def streampart(description: str, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MANAGE, "streampart", "-o", str(target)],
        input=description,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_only_descriptions_signed_with_the_projects_key_are_run(products, tmp_path):
    runner = Recorder(start_timeout=0.0)
    run_with(export(Product.objects.all(), 2), runner)
    description = runner.descriptions[0]
    spec = unsign_part(description)
    assert spec.number == 2 and spec.parts == 2 and "product" in spec.sql
    assert spec.key_range[0] is not None and spec.key_range[1] is None
    data = signing.loads(description, salt=SALT)
    data["sql"] = "SELECT usename, passwd FROM pg_shadow"
    forged = signing.dumps(data, salt=SALT, key="not the project's key", compress=True)
    with pytest.raises(InvalidArgument, match="not signed with this project's SECRET_KEY"):
        unsign_part(forged)
    refused = streampart(forged, tmp_path / "x")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "CommandError: The part description is not signed with this project's SECRET_KEY (or "
        "was altered); refusing to run it."
    )
    with pytest.raises(CommandError, match="No part description"):
        call_command("streampart", "-o", str(tmp_path / "x"), stdin=io.StringIO(""))
    assert os.listdir(tmp_path) == []


def test_a_description_round_trips_through_json(products):
    spec = unsign_part(sign_part(_spec()))
    assert spec == _spec()
    assert PartSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
    with pytest.raises(InvalidArgument, match="Not the description of an export part"):
        PartSpec.from_json({"version": 99})


def _spec() -> PartSpec:
    return PartSpec(
        alias="default",
        snapshot="00000003-00000002-1",
        number=2,
        parts=4,
        sql="SELECT 1",
        columns=("one",),
        engine="copy",
        copy_options={"format": "csv"},
        format="csv",
        prefetch=None,
        gzip=True,
        timezone="UTC",
        key_range=("10", "20"),
    )


def test_interrupting_a_worker_leaves_no_file(products, tmp_path):
    runner = Recorder(start_timeout=60)
    prepared = export(slow_products(0.003), 2)
    target = tmp_path / "part"

    async def scenario() -> None:
        async with contextlib.aclosing(prepared.achunks(runner=runner)) as chunks:
            await anext(chunks)  # the header
            await anext(chunks)  # part 1's first rows: part 2 was handed to the runner
            assert len(runner.descriptions) == 1
            proc = await asyncio.create_subprocess_exec(
                *MANAGE,
                "streampart",
                "-o",
                str(target),
                stdin=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=child_env(),
            )
            assert proc.stdin is not None
            proc.stdin.write(runner.descriptions[0].encode())
            proc.stdin.close()
            monitor = await connect(connect_params())
            try:
                await wait_for_backend(monitor, "part 2/2")
            finally:
                await monitor.close()
            proc.send_signal(signal.SIGINT)
            _, stderr = await proc.communicate()
            assert proc.returncode == 130, stderr
            assert b"Interrupted by SIGINT" in stderr
            assert os.listdir(tmp_path) == []

    asyncio.run(scenario())
