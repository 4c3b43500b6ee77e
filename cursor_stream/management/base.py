"""``AsyncCommand``: management commands whose work is a coroutine."""

from __future__ import annotations

import asyncio
import contextvars
import signal
import threading
from collections.abc import Coroutine
from typing import Any

from django.core.management.base import BaseCommand, CommandError

# Exit statuses of a process killed by a signal, as shells report them (128 + signal number).
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class QuietExit(CommandError):
    """Stop the command with ``returncode`` and, on the command line, no message at all.

    For a stop that is not an error to report, such as the reader of stdout going away
    (``| head``): run from ``manage.py`` the process exits with the status alone, as Unix tools
    do (Python's documentation, "Note on SIGPIPE"); ``call_command()`` raises it as the
    :class:`CommandError` it is, message included.
    """


class AsyncCommand(BaseCommand):
    """A ``BaseCommand`` whose subclasses implement ``async def ahandle(self, *args, **options)``.

    ``handle()`` runs the coroutine on a fresh event loop, also when ``call_command()`` is used
    from code that already runs a loop (the coroutine then runs on a loop in a worker thread).
    In the main thread, SIGINT and SIGTERM cancel the coroutine, so that its ``finally`` blocks
    and context managers close cursors, transactions and half-written files; the command then
    fails with exit status 130 or 143 and a one-line message.
    """

    #: Message used when a signal interrupts the command.
    interrupted_message = "Interrupted by {signal}; nothing was left half-written."

    async def ahandle(self, *args: Any, **options: Any) -> str | None:
        raise NotImplementedError("subclasses of AsyncCommand must provide an ahandle() method")

    _from_argv = False

    def run_from_argv(self, argv: list[str]) -> None:
        self._from_argv = True
        super().run_from_argv(argv)

    def handle(self, *args: Any, **options: Any) -> str | None:
        try:
            output: str | None = run_command_coroutine(
                self.ahandle(*args, **options), self.interrupted_message
            )
        except QuietExit as exc:
            if self._from_argv:
                # BaseCommand.run_from_argv() would print "CommandError: ..." before exiting
                # with the status; SystemExit passes through it (its finally still closes the
                # database connections) and Python exits with the status, printing nothing.
                raise SystemExit(exc.returncode) from None
            raise
        return output


def run_command_coroutine(
    coro: Coroutine[Any, Any, Any], interrupted_message: str = "Interrupted by {signal}."
) -> Any:
    """Run ``coro`` to completion on a new event loop and return its result."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_here(coro, interrupted_message)
    # A loop already runs in this thread (call_command() from async code): asyncio forbids a
    # second one here, so run on a private loop in a worker thread and wait for it.
    result: list[Any] = []
    error: list[BaseException] = []
    ctx = contextvars.copy_context()

    def target() -> None:
        try:
            result.append(ctx.run(asyncio.run, coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target, name="AsyncCommand")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


def _run_here(coro: Coroutine[Any, Any, Any], interrupted_message: str) -> Any:
    with asyncio.Runner() as runner:
        loop = runner.get_loop()
        task = loop.create_task(coro)
        received: list[signal.Signals] = []
        # Handlers the process had before (a worker's SIGTERM handler, pytest's, ...):
        # loop.remove_signal_handler() resets to the default, so put these back ourselves.
        previous: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():

            def on_signal(signum: signal.Signals) -> None:
                if not received:
                    received.append(signum)
                # Cancelling the task (rather than raising KeyboardInterrupt at a random point)
                # lets every `async with` / `finally` of the export run: the cursor is closed,
                # the server query cancelled and the temporary output file removed.
                task.cancel()

            for signum in SIGNAL_EXIT:
                handler = signal.getsignal(signum)
                try:
                    loop.add_signal_handler(signum, on_signal, signum)
                except (NotImplementedError, RuntimeError, ValueError):
                    continue
                previous[signum] = handler
        try:
            return loop.run_until_complete(task)
        except asyncio.CancelledError:
            if received:
                signum = received[0]
                raise CommandError(
                    interrupted_message.format(signal=signum.name), returncode=SIGNAL_EXIT[signum]
                ) from None
            raise
        finally:
            for signum, handler in previous.items():
                loop.remove_signal_handler(signum)
                if handler is not None:
                    signal.signal(signum, handler)
