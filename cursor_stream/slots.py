"""``MAX_CONNECTIONS``: the export connections one process may hold per database alias.

A :class:`SlotPool` hands out places first come, first served, and always *all the places a
caller asks for at once*: a parallel export needs N connections, and two of them taking places
one at a time could each end up holding half and waiting for the other half forever. A request
waits in a queue until it is at the head and enough places are free; nobody behind it is served
first, so a request for four places is not starved by a stream of one-place exports (they wait
behind it). A caller never asks for more places while holding some.

The pool is process-wide and thread-safe: under WSGI every response runs on an event loop of
its own thread, so an ``asyncio.Semaphore`` (bound to one loop) could not count them all. Sync
callers wait on a condition variable; async callers poll (every ``POLL`` seconds) so as never
to block their event loop.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time

from .exceptions import ExportsBusy, InvalidArgument

#: Seconds between two looks at the pool by an async waiter.
POLL = 0.02


class _Ticket:
    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count


class SlotPool:
    """The ``limit`` connection places of one database alias in this process."""

    def __init__(self, alias: str, limit: int) -> None:
        self.alias = alias
        self.limit = limit
        self.free = limit
        self._condition = threading.Condition(threading.Lock())
        self._queue: collections.deque[_Ticket] = collections.deque()

    def _check(self, count: int) -> None:
        if count > self.limit:
            raise InvalidArgument(
                f"This export needs {count} connections to database {self.alias!r} at once, but "
                f"CURSOR_STREAM['MAX_CONNECTIONS'] allows {self.limit}; use fewer jobs or raise "
                "the limit."
            )

    def _grant(self, ticket: _Ticket) -> bool:
        """Take the places of ``ticket`` if it is first in line and they are free (locked)."""
        if self._queue[0] is not ticket or self.free < ticket.count:
            return False
        self._queue.popleft()
        self.free -= ticket.count
        # The next in line may be served too (it may want fewer places than were freed).
        self._condition.notify_all()
        return True

    def _leave(self, ticket: _Ticket) -> None:
        """Leave the line without places (timed out or cancelled; locked)."""
        try:
            self._queue.remove(ticket)
        except ValueError:
            return
        self._condition.notify_all()

    def try_acquire(self, count: int = 1) -> ConnectionSlot | None:
        """Return ``count`` places now if nobody waits before us, else None."""
        self._check(count)
        with self._condition:
            if self._queue or self.free < count:
                return None
            self.free -= count
        return ConnectionSlot(self, count)

    def _line_up(self, count: int, wait: float) -> tuple[_Ticket, float]:
        """Join the line for ``count`` places; return the ticket and the deadline (locked)."""
        self._check(count)
        ticket = _Ticket(count)
        self._queue.append(ticket)
        return ticket, time.monotonic() + wait

    def acquire(self, count: int = 1, *, wait: float) -> ConnectionSlot | None:
        """Wait up to ``wait`` seconds for ``count`` places (blocks the thread)."""
        with self._condition:
            ticket, deadline = self._line_up(count, wait)
            try:
                while not self._grant(ticket):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self._leave(ticket)
                        return None
                    self._condition.wait(remaining)
            except BaseException:
                self._leave(ticket)
                raise
        return ConnectionSlot(self, count)

    async def aacquire(self, count: int = 1, *, wait: float) -> ConnectionSlot | None:
        """Wait up to ``wait`` seconds for ``count`` places without blocking the loop."""
        with self._condition:
            ticket, deadline = self._line_up(count, wait)
        try:
            while True:
                with self._condition:
                    if self._grant(ticket):
                        return ConnectionSlot(self, count)
                    if time.monotonic() >= deadline:
                        self._leave(ticket)
                        return None
                await asyncio.sleep(POLL)
        except BaseException:
            # Cancelled while waiting: leave the line, or give back what was just granted.
            with self._condition:
                self._leave(ticket)
            raise

    def _release(self, count: int) -> None:
        with self._condition:
            self.free += count
            if self.free > self.limit:
                raise RuntimeError("More connection places released than were taken.")
            self._condition.notify_all()


class ConnectionSlot:
    """Places taken from a :class:`SlotPool`; :meth:`release` gives them all back, once."""

    def __init__(self, pool: SlotPool, count: int = 1) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        self.count = count

    @property
    def held(self) -> bool:
        """Return True while this slot still holds places."""
        return self.count > 0

    def split(self, count: int = 1) -> ConnectionSlot:
        """Return ``count`` of these places as a slot of their own (released on its own)."""
        with self._lock:
            if not 0 < count <= self.count:
                raise ValueError(f"Cannot split {count} places off a slot of {self.count}.")
            self.count -= count
        return ConnectionSlot(self._pool, count)

    def release(self) -> None:
        """Give the places back (once; later calls do nothing)."""
        with self._lock:
            count, self.count = self.count, 0
        if count:
            self._pool._release(count)


_pools: dict[tuple[str, int], SlotPool] = {}
_pools_lock = threading.Lock()


def slot_pool(alias: str, limit: int) -> SlotPool:
    """Return the process-wide pool of ``alias`` for a ``MAX_CONNECTIONS`` of ``limit``."""
    with _pools_lock:
        key = (alias, limit)
        if key not in _pools:
            _pools[key] = SlotPool(alias, limit)
        return _pools[key]


def busy_error(alias: str, limit: int, wait: float, count: int = 1) -> ExportsBusy:
    """Return the error of an export that found no free place within ``wait`` seconds."""
    needed = f" ({count} needed at once)" if count > 1 else ""
    return ExportsBusy(
        f"All {limit} export connections to database {alias!r} are in use{needed} "
        f"(CURSOR_STREAM['MAX_CONNECTIONS']); waited {wait:g} s. Try again later, or raise the "
        "limit if the server has room."
    )
