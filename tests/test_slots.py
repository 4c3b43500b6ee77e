"""MAX_CONNECTIONS places: all or nothing, first come first served, never a deadlock."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest

from cursor_stream.exceptions import InvalidArgument
from cursor_stream.slots import SlotPool


def test_a_request_takes_all_its_places_at_once_or_waits():
    pool = SlotPool("default", 4)
    one = pool.try_acquire(1)
    assert one is not None and pool.free == 3
    assert pool.try_acquire(4) is None  # never part of them
    assert pool.free == 3
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(pool.acquire(4, wait=5)))
    waiter.start()
    time.sleep(0.1)
    assert got == [] and pool.free == 3
    one.release()
    waiter.join(5)
    slot = got[0]
    assert slot is not None and slot.count == 4 and pool.free == 0
    slot.release()
    slot.release()  # idempotent
    assert pool.free == 4


def test_nobody_jumps_the_queue_so_a_big_request_is_not_starved():
    pool = SlotPool("default", 2)
    stop = threading.Event()
    served_big: list[float] = []

    def small_exports() -> None:
        while not stop.is_set():
            slot = pool.acquire(1, wait=5)
            assert slot is not None
            time.sleep(0.005)
            slot.release()

    smalls = [threading.Thread(target=small_exports) for _ in range(4)]
    for thread in smalls:
        thread.start()
    try:
        time.sleep(0.05)
        started = time.monotonic()
        big = pool.acquire(2, wait=5)
        served_big.append(time.monotonic() - started)
        assert big is not None and big.count == 2
        # While the big request waits, or holds, a small one is refused at once.
        assert pool.try_acquire(1) is None
        big.release()
    finally:
        stop.set()
        for thread in smalls:
            thread.join(5)
    assert served_big[0] < 1.0
    assert pool.free == 2


def test_two_parallel_exports_under_the_limit_never_deadlock():
    """Each needs 3 of 4 places: taken one by one they could each hold 2 and wait forever."""
    pool = SlotPool("default", 4)
    finished: list[int] = []

    def parallel_export(n: int) -> None:
        for _ in range(30):
            slot = pool.acquire(3, wait=5)
            assert slot is not None
            parts = [slot.split(1) for _ in range(2)]  # one per part, released as parts end
            time.sleep(random.random() / 500)
            for part in parts:
                part.release()
            slot.release()
        finished.append(n)

    threads = [threading.Thread(target=parallel_export, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(finished) == [0, 1, 2]
    assert pool.free == 4


def test_async_waiters_are_served_in_order_and_leave_the_line_when_cancelled():
    pool = SlotPool("default", 2)

    async def scenario() -> list[str]:
        held = pool.try_acquire(2)
        assert held is not None
        order: list[str] = []

        async def want(name: str, count: int) -> None:
            slot = await pool.aacquire(count, wait=5)
            assert slot is not None
            order.append(name)
            slot.release()

        cancelled = asyncio.ensure_future(pool.aacquire(2, wait=5))
        await asyncio.sleep(0.05)
        first = asyncio.ensure_future(want("first", 2))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(want("second", 1))
        await asyncio.sleep(0.05)
        cancelled.cancel()  # leaves the line without taking anything
        await asyncio.sleep(0.05)
        held.release()
        await asyncio.gather(first, second)
        assert pool.free == 2
        return order

    assert asyncio.run(scenario()) == ["first", "second"]


def test_a_wait_that_times_out_leaves_the_line():
    pool = SlotPool("default", 1)
    held = pool.try_acquire()
    assert held is not None
    assert pool.acquire(1, wait=0.05) is None
    held.release()
    assert pool.try_acquire() is not None  # nobody left waiting in front


def test_more_places_than_the_limit_is_a_clear_error():
    with pytest.raises(InvalidArgument, match=r"needs 3 connections .* allows 2"):
        SlotPool("default", 2).acquire(3, wait=0)
