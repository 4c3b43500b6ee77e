"""cursor_stream.management.base: AsyncCommand runs a coroutine; signals cancel it cleanly."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cursor_stream.management import AsyncCommand, QuietExit
from cursor_stream.management.base import run_command_coroutine


class Greet(AsyncCommand):
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", default="world")

    async def ahandle(self, *args: Any, **options: Any) -> None:
        await asyncio.sleep(0)
        self.stdout.write(f"hello {options['name']}")


class Stop(AsyncCommand):
    async def ahandle(self, *args: Any, **options: Any) -> None:
        raise QuietExit("the reader went away", returncode=141)


class Sleeper(AsyncCommand):
    stealth_options = ("signum",)
    cleaned_up = False

    async def ahandle(self, *args: Any, **options: Any) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, os.kill, os.getpid(), options["signum"])
        try:
            await asyncio.sleep(30)
        finally:
            Sleeper.cleaned_up = True


def test_call_command_runs_ahandle_and_captures_stdout() -> None:
    out = io.StringIO()
    call_command(Greet(), name="you", stdout=out)
    assert out.getvalue() == "hello you\n"


def test_call_command_from_a_running_event_loop_uses_a_worker_thread() -> None:
    async def main() -> str:
        async def work() -> str:
            return threading.current_thread().name

        return str(run_command_coroutine(work()))

    assert asyncio.run(main()) == "AsyncCommand"


def test_errors_of_the_coroutine_propagate() -> None:
    async def fail() -> None:
        raise CommandError("nope")

    with pytest.raises(CommandError, match="nope"):
        run_command_coroutine(fail())


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_cancels_the_coroutine_and_runs_its_cleanup(
    signum: signal.Signals, status: int
) -> None:
    Sleeper.cleaned_up = False
    with pytest.raises(CommandError) as info:
        call_command(Sleeper(), signum=signum, stdout=io.StringIO())
    assert Sleeper.cleaned_up
    assert info.value.returncode == status
    assert str(info.value) == f"Interrupted by {signum.name}; nothing was left half-written."


def test_previous_signal_handlers_are_restored() -> None:
    def custom(signum: int, frame: object) -> None:
        pass

    before = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, custom)
    try:
        call_command(Greet(), stdout=io.StringIO())
        assert signal.getsignal(signal.SIGTERM) is custom
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, before)


def test_quiet_exit_on_the_command_line_is_a_status_without_a_message(capsys) -> None:
    err = io.StringIO()
    with pytest.raises(SystemExit) as info:
        Stop(stderr=err).run_from_argv(["manage.py", "stop"])
    assert info.value.code == 141
    assert err.getvalue() == "" and capsys.readouterr().err == ""


def test_quiet_exit_through_call_command_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="the reader went away") as info:
        call_command(Stop(), stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 141
