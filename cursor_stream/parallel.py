"""Parallel export of one snapshot, the way ``pg_dump -j`` reads a database.

A leader transaction exports its snapshot (``pg_export_snapshot()``) and stays open until the
export ends; each other part opens a connection of its own that imports it (``SET TRANSACTION
SNAPSHOT``), so every part reads exactly the rows the leader sees, whatever is committed
meanwhile. The rows are cut into key ranges (split.py); part 1 runs on the leader's own
connection, so N jobs use N connections, taken together from ``MAX_CONNECTIONS`` (slots.py).

The output is the serial export's, byte for byte, and streams in order: part 1 goes straight to
the consumer while the other parts write to temporary files (in the output's directory, and
unnamed, so that nothing is left behind however the process ends), read back in order, while
they are still being written if need be. How the parts' bytes are put together depends on the
format (parts.py, :class:`~.parts.Mode`).

The other parts run on connections of this process, or, given a :class:`~.remote.PartRunner`,
in other processes and on other machines (remote.py). See docs/architecture.md §6.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import os
import tempfile
import time
from collections.abc import AsyncGenerator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .engines import inline_query
from .parts import (
    GzipMembers,
    Mode,
    PartOutput,
    PartSpec,
    TextRows,
    begin_part,
    part_label,
    part_mode,
)
from .slots import ConnectionSlot
from .sql import Column
from .streaming import Transaction, acquire_slot

if TYPE_CHECKING:
    from .export import ExportStats, PreparedExport, _Encoding
    from .remote import PartRunner

#: Bytes read back from a part's temporary file at a time.
READ_CHUNK = 1024 * 1024


# --------------------------------------------------------------------------------------------
# Temporary files


class Spool:
    """A part's bytes on disk: written by the part, read back (also while written) in order.

    The file has no name: ``tempfile.TemporaryFile`` opens it with ``O_TMPFILE`` (or unlinks it
    at once), so it disappears with its descriptor, even when the process is killed.
    """

    def __init__(self, directory: str | None) -> None:
        # Closed by close(), which the export calls however it ends.
        self._file = tempfile.TemporaryFile(  # noqa: SIM115
            dir=directory, prefix=".cursor_stream-part-"
        )
        self._fd = self._file.fileno()
        self.size = 0
        self.finished = False
        self.error: BaseException | None = None
        self._changed = asyncio.Event()

    def write(self, data: bytes) -> None:
        """Append ``data`` (a page-cache write: short enough for the event loop)."""
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)
        self._changed.set()

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the file complete (or failed, with the part's ``error``)."""
        self.finished, self.error = True, error
        self._changed.set()

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """Yield the file's bytes in order, waiting for more until it is complete."""
        offset = 0
        while True:
            if offset < self.size:
                data = os.pread(self._fd, min(READ_CHUNK, self.size - offset), offset)
                offset += len(data)
                yield data
                continue
            if self.finished:
                if self.error is not None:
                    raise self.error
                return
            self._changed.clear()
            if offset == self.size and not self.finished:
                await self._changed.wait()

    def close(self) -> None:
        """Close (and so free) the file; idempotent."""
        self._file.close()


# --------------------------------------------------------------------------------------------
# The parts


@dataclass(eq=False)
class Part:
    """One key range of a parallel export, as the leader tracks it."""

    spec: PartSpec
    #: The part run in this process (on the leader's connection, or one of its own).
    output: PartOutput | None = None
    #: Where a part run on another connection of this process waits for its turn.
    spool: Spool | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    #: When it was handed to a runner (monotonic clock).
    dispatched: float | None = None
    #: Rows and bytes (before compression) of a part a runner completed.
    remote_rows: int = 0
    remote_bytes: int = 0

    @property
    def rows(self) -> int:
        return self.output.rows if self.output is not None else self.remote_rows

    @property
    def bytes(self) -> int:
        return self.output.bytes if self.output is not None else self.remote_bytes


async def run_spooled(
    prepared: PreparedExport,
    part: Part,
    slot: ConnectionSlot | None,
    executor: Executor,
    count_rows: bool,
) -> None:
    """Run ``part`` on a connection of its own that imports the snapshot, into its spool."""
    spool = part.spool
    assert spool is not None
    spec = part.spec
    error: BaseException | None = None
    params = part_label(prepared.connect_params, spec.number, spec.parts)
    try:
        async with Transaction(
            params, prepared.stream_options, slot=slot, snapshot=spec.snapshot
        ) as txn:
            await begin_part(txn, spec)
            part.output = PartOutput(spec, executor=executor, count_rows=count_rows)
            async with contextlib.aclosing(part.output.chunks(txn)) as chunks:
                async for chunk in chunks:
                    spool.write(chunk)
    except asyncio.CancelledError:
        from .exceptions import CursorStreamError

        error = CursorStreamError("The export was stopped.")
        raise
    except Exception as exc:
        error = exc
    finally:
        spool.finish(error)


async def part_specs(
    prepared: PreparedExport,
    leader: Transaction,
    columns: list[Column],
    snapshot: str,
    *,
    gzip: bool,
) -> list[PartSpec]:
    """Return the spec of each part, its SQL rendered and its parameters inlined by the leader."""
    from .split import boundaries

    plan = prepared.split
    assert plan is not None
    bounds = await boundaries(leader, plan, prepared.options.jobs)
    compiled = await asyncio.to_thread(plan.part_queries, bounds)
    texts: list[str | None] = [None, *(str(b) for b in bounds), None]
    ranges = list(itertools.pairwise(texts))
    if plan.descending:
        ranges.reverse()
    specs = []
    for number, (query, key_range) in enumerate(zip(compiled, ranges, strict=True), 1):
        sql = await inline_query(leader, prepared.render(query, columns))
        specs.append(
            PartSpec.build(
                prepared,
                snapshot=snapshot,
                number=number,
                parts=len(compiled),
                sql=sql,
                gzip=gzip,
                key_range=key_range,
            )
        )
    return specs


class Assembly:
    """Put the parts' bytes together, in order, through the export's one format instance."""

    def __init__(
        self,
        encoding: _Encoding,
        stats: ExportStats,
        mode: Mode,
        width: int,
        output: GzipMembers | None,
    ) -> None:
        self.encoding, self.stats, self.mode, self.output = encoding, stats, mode, output
        self._rows = TextRows(width)

    async def format(self, data: bytes) -> bytes:
        """Return what the format makes of a part's bytes."""
        if self.mode is Mode.CONCAT:
            return data
        encoder = self.encoding.encoder
        if self.mode is Mode.COPY:
            return encoder.copy_chunk(data)
        rows = self._rows.feed(data)
        return await self.encoding.call(encoder.encode, rows) if rows else b""

    async def out(self, data: bytes) -> bytes:
        """Return the output bytes of the format's ``data`` (compressed with gzip)."""
        self.stats.bytes += len(data)
        if self.output is None or not data:
            return data
        return await self.output.compress(data)


async def parallel_chunks(
    prepared: PreparedExport,
    encoding: _Encoding,
    stats: ExportStats,
    *,
    estimate: bool,
    slot: ConnectionSlot | None,
    gzip: bool,
    spool_dir: str | None,
    runner: PartRunner | None = None,
) -> AsyncGenerator[bytes, None]:
    """Yield the bytes of ``prepared`` read by ``prepared.jobs`` connections (see above).

    With ``gzip``, wrap this in :func:`~.parts.hold_trailer`.
    """
    jobs = prepared.jobs
    encoder = encoding.encoder
    mode = part_mode(prepared)
    # Parts run by a runner use its connections: the leader needs one place.
    if slot is None:
        places = 1 if runner is not None else jobs
        slot = await acquire_slot(prepared.alias, prepared.stream_options, places)
    executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cursor_stream-part")
    output = GzipMembers(executor) if gzip else None
    assembly = Assembly(encoding, stats, mode, len(prepared.columns), output)
    parts: list[Part] = []
    try:
        async with Transaction(
            prepared.connect_params,
            prepared.stream_options,
            slot=slot.split(1) if slot is not None else None,
            exporting=True,
        ) as leader:
            snapshot = await leader.export_snapshot()
            rendered, types, columns = await prepared.rendered(leader)
            encoder.set_column_types(types)
            if estimate:
                stats.estimated_rows = await prepared.planned_rows(leader, rendered)
            if head := await assembly.out(await encoding.call(encoder.begin)):
                yield head
            specs = await part_specs(prepared, leader, columns, snapshot, gzip=gzip)
            parts = [Part(spec) for spec in specs]
            await _start(prepared, parts[1:], slot, executor, stats.live_rows, spool_dir, runner)
            if slot is not None:
                slot.release()  # the places of jobs left without a part (fewer ranges)
            done_rows = 0
            for part in parts:
                _raise_failure(parts)
                source, compressed = await _source(leader, part, executor, stats.live_rows, runner)
                members = output is not None and compressed
                if members and output is not None and (tail := await output.end_member()):
                    yield tail
                async with contextlib.aclosing(source) as chunks:
                    async for chunk in chunks:
                        if members:
                            yield chunk  # the part's own gzip member
                        elif out := await assembly.out(await assembly.format(chunk)):
                            yield out
                        stats.rows = done_rows + part.rows
                        _raise_failure(parts)
                if members:
                    stats.bytes += part.bytes
                done_rows += part.rows
                stats.rows = done_rows
        async for chunk in encoding.end_chunks():
            if out := await assembly.out(chunk):
                yield out
        if output is not None and (tail := await output.finish()):
            yield tail
    finally:
        await _stop(parts, runner)
        if slot is not None:
            slot.release()
        executor.shutdown(wait=False)


async def _start(
    prepared: PreparedExport,
    parts: list[Part],
    slot: ConnectionSlot | None,
    executor: Executor,
    count_rows: bool,
    spool_dir: str | None,
    runner: PartRunner | None,
) -> None:
    """Start the parts after the first: on connections of their own, or through ``runner``."""
    if runner is not None:
        from .remote import sign_part

        for part in parts:
            await runner.start(sign_part(part.spec), part.spec)
            part.dispatched = time.monotonic()
        return
    for part in parts:
        part.spool = Spool(spool_dir)
        part.task = asyncio.create_task(
            run_spooled(
                prepared,
                part,
                slot.split(1) if slot is not None else None,
                executor,
                count_rows,
            )
        )


async def _source(
    leader: Transaction,
    part: Part,
    executor: Executor,
    count_rows: bool,
    runner: PartRunner | None,
) -> tuple[AsyncGenerator[bytes, None], bool]:
    """Return the bytes of ``part`` in order (run here, from its spool, or from its runner),
    and whether they are a gzip member of their own."""
    if part.spool is not None:
        return part.spool.chunks(), part.spec.gzip
    if part.dispatched is not None:
        assert runner is not None
        remote = await _wait_for(leader, part, runner)
        if remote is not None:
            return remote, part.spec.gzip
    # The first part, or one the leader took over: on the leader's connection, in its snapshot.
    # The first goes straight to the consumer (compressed with what comes before it); one taken
    # over is what its runner would have written (with gzip, a member of its own): the same
    # bytes whoever ran it.
    taken_over = part.dispatched is not None
    spec = part.spec if taken_over else dataclasses.replace(part.spec, gzip=False)
    part.output = PartOutput(spec, executor=executor, count_rows=count_rows)
    return part.output.chunks(leader), spec.gzip


async def _wait_for(
    leader: Transaction, part: Part, runner: PartRunner
) -> AsyncGenerator[bytes, None] | None:
    """Wait for a runner to complete ``part``; None when the leader is to run it itself.

    That is when its runner failed, or none started it within ``runner.start_timeout``, and
    the leader could take its lock (nobody runs it now). See remote.py.
    """
    from .remote import POLL, claim

    assert part.dispatched is not None
    while True:
        if (remote := await runner.result(part.spec)) is not None:
            break
        late = time.monotonic() - part.dispatched >= runner.start_timeout
        if (late or await runner.failed(part.spec)) and await claim(leader, part.spec):
            # Nobody runs it now; it may have been completed just before.
            if (remote := await runner.result(part.spec)) is not None:
                break
            return None
        await asyncio.sleep(POLL)
    part.remote_rows, part.remote_bytes = remote.result.rows, remote.result.bytes
    return remote.chunks()


def _raise_failure(parts: list[Part]) -> None:
    """Raise the error of a part that failed (the export stops at once, not when it gets there)."""
    for part in parts:
        if part.spool is not None and part.spool.error is not None:
            raise part.spool.error


async def _stop(parts: list[Part], runner: PartRunner | None) -> None:
    """Stop the parts still running (their connections are dropped) and free their files."""
    tasks = [p.task for p in parts if p.task is not None]
    for task in tasks:
        task.cancel()
    if tasks:
        # asyncio.wait() neither raises the tasks' errors nor swallows our own cancellation.
        await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()
    for part in parts:
        if part.spool is not None:
            part.spool.close()
    if runner is not None:
        await runner.close()
