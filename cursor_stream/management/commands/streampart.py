"""``manage.py streampart -o PATH``: run one part of a parallel export (remote.py).

The part's signed description (what a parallel export's leader hands its runner) is read from
stdin, or from ``--description FILE``; the part's bytes go to ``PATH``, written atomically, and
the result is printed as one JSON line: ``{"status": "done", "part": 2, "rows": ..., "bytes":
...}``, or status ``taken`` (another runner has the part) or ``expired`` (the export is over).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from cursor_stream.exceptions import CursorStreamError
from cursor_stream.management.base import AsyncCommand
from cursor_stream.remote import arun_part


class Command(AsyncCommand):
    help = (
        "Run one part of a parallel export: read its signed description from stdin (or "
        "--description FILE), write its bytes to -o PATH and print the result as JSON."
    )
    interrupted_message = "Interrupted by {signal}; the part's file was not written."
    #: ``call_command("streampart", ..., stdin=io.StringIO(description))``.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="Where the part's bytes go.")
        parser.add_argument(
            "--description", help="A file holding the part's description (default: stdin)."
        )

    def handle(self, *args: Any, **options: Any) -> str | None:
        if options["description"]:
            try:
                with open(options["description"], encoding="ascii") as handle:
                    description = handle.read().strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {options['description']!r}: {exc}") from None
        else:
            description = (options.get("stdin") or sys.stdin).read().strip()
        if not description:
            raise CommandError("No part description: pass it on stdin or with --description.")
        return super().handle(description=description, output=options["output"])

    async def ahandle(self, *args: Any, description: str, output: str, **options: Any) -> None:
        try:
            result = await arun_part(description, output)
        except CursorStreamError as exc:
            raise CommandError(" ".join(str(exc).split())) from None
        except OSError as exc:
            raise CommandError(f"Could not write {output!r}: {exc.strerror or exc}") from None
        self.stdout.write(json.dumps(result.to_json()))
