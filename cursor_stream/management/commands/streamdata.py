"""``manage.py streamdata``: export a model or an SQL query to a file or stdout, streaming.

``handle()`` validates every argument and compiles the export in sync code
(docs/architecture.md §2);
``ahandle()`` only moves bytes from :meth:`PreparedExport.achunks` to the output. Files are
written atomically (temporary file beside the target, renamed at the end), so an error or an
interrupt never leaves a partial file at the target path.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import time
from dataclasses import dataclass
from typing import IO, Any, cast

from django.core.management.base import CommandError, CommandParser

from cursor_stream.description import ExportDescription, StoredField, prepare_description
from cursor_stream.encoders import Format, format_for_path, get_format, registry
from cursor_stream.exceptions import CursorStreamError
from cursor_stream.export import ENGINES, ExportOptions, ExportStats, PreparedExport
from cursor_stream.exportfields import HEADER_STYLES
from cursor_stream.management.base import AsyncCommand, QuietExit
from cursor_stream.sinks import AtomicFile, GzipStream, check_target

#: Seconds between two redraws of the progress bar.
PROGRESS_INTERVAL = 0.2


def one_line(exc: BaseException) -> str:
    """Return an error message on one line (server messages may span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _count(name: str, value: str | None, *, minimum: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"--{name} must be an integer >= {minimum}, got {value!r}.") from None
    if number < minimum:
        raise CommandError(f"--{name} must be an integer >= {minimum}, got {value!r}.")
    return number


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Plan:
    """What ``handle()`` validated, handed to ``ahandle()``."""

    export: PreparedExport
    path: str | None  # None: stdout
    gzipped: bool
    force: bool
    progress: bool


def _format_names(**having: bool) -> str:
    """Return the registered format names (those whose class attributes match ``having``)."""
    return ", ".join(
        name
        for name, cls in registry.items()
        if all(getattr(cls, key) == value for key, value in having.items())
    )


def _suffixes() -> str:
    return ", ".join(f".{cls.extension}" for cls in registry.values())


class Command(AsyncCommand):
    interrupted_message = "Interrupted by {signal}; no output file was written."

    @property
    def help(self) -> str:  # type: ignore[override]
        return (
            "Stream a model (app_label.Model) or an SQL query out of PostgreSQL to a file or "
            f"stdout as {_format_names()}, through COPY or a server-side cursor, with constant "
            "memory."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", nargs="?", help="Model to export, as app_label.Model.")
        parser.add_argument("--sql", help="Export the rows of this SQL query instead of a model.")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            help="A parameter of --sql (%%s or $1 placeholders), sent as a quoted literal. "
            "Repeatable.",
        )
        parser.add_argument(
            "--fields",
            help="Comma-separated field paths as values() takes them, e.g. "
            "pk,category__name,attributes__color (a JSON key),created_at__year (a transform "
            "registered on the field, computed by the database). Default: every concrete field "
            "but those of CURSOR_STREAM['SENSITIVE_FIELDS'], such as the user model's password, "
            "which are exported only when named here.",
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="FIELD__LOOKUP=VALUE",
            help="Keep rows matching a field lookup, e.g. price__gte=10, pk__lt=3 or "
            "attributes__color=blue. Repeatable.",
        )
        parser.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="FIELD__LOOKUP=VALUE",
            help="Drop rows matching a field lookup. Repeatable.",
        )
        parser.add_argument(
            "--order-by",
            help="Comma-separated field paths, - for descending: --order-by=-price,pk "
            "(default: the model's Meta.ordering, else pk).",
        )
        parser.add_argument(
            "--format",
            help=f"One of {_format_names()} (default: from the output suffix, {_suffixes()}, "
            "each optionally .gz; csv on stdout).",
        )
        parser.add_argument(
            "-o", "--output", default="-", help="Output file, or - for stdout (default)."
        )
        parser.add_argument("--database", help="Database alias (default: the model's/default).")
        parser.add_argument("--prefetch", help="Rows per round trip of the cursor engine.")
        parser.add_argument("--offset", help="Skip this many rows first (cursor.forward()).")
        parser.add_argument("--limit", help="Export at most this many rows.")
        parser.add_argument("--gzip", action="store_true", help="Compress the output with gzip.")
        parser.add_argument(
            "--no-header",
            action="store_true",
            help=f"Omit the header row ({_format_names(has_header=True)}).",
        )
        parser.add_argument(
            "--bom",
            action="store_true",
            help=f"Start the output with a UTF-8 BOM ({_format_names(supports_bom=True)}).",
        )
        parser.add_argument(
            "--escape-formulas",
            action="store_true",
            help="Prefix text cells starting with = + - @ tab CR LF with ' (spreadsheet safety).",
        )
        parser.add_argument(
            "--choices-display",
            action="store_true",
            help="Export the labels of fields with choices instead of their stored values.",
        )
        parser.add_argument(
            "--header-style",
            choices=HEADER_STYLES,
            default="names",
            help="Head columns with their field paths (names, the default: category__name) or "
            "their fields' verbose names (verbose: Category name); the JSON keys too.",
        )
        parser.add_argument("--timezone", help="Time zone of timestamps (default: TIME_ZONE).")
        parser.add_argument(
            "--engine", default="auto", help=f"One of {', '.join(ENGINES)} (default: auto)."
        )
        parser.add_argument(
            "--jobs",
            default="1",
            help="Read one snapshot through N connections at once, each a range of the primary "
            "key (or of the unique field the export is ordered by); the output is the same. "
            "Default: 1.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Never show progress.")
        parser.add_argument(
            "--force", action="store_true", help="Replace the output file if it exists."
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the export as a background job (cursor_stream.jobs) and print its id; "
            "-o then names the object in the result storage.",
        )

    # --- sync: validate and compile ------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> str | None:
        if options["background"]:
            from cursor_stream.jobs.command import queue_export

            return queue_export(self, options)
        try:
            plan = self._plan(options)
        except CursorStreamError as exc:
            raise CommandError(one_line(exc)) from None
        return super().handle(plan=plan, verbosity=options["verbosity"])

    def _plan(self, options: dict[str, Any]) -> Plan:
        output: str = options["output"]
        path = None if output == "-" else output
        fmt, gzipped = self.output_format(options, path)
        if path is not None:
            check_target(path, force=options["force"])
        if path is None and (fmt.binary or gzipped) and self._stdout_isatty():
            raise CommandError(
                f"Refusing to write {'gzip' if gzipped else fmt.name} (binary) output to a "
                "terminal; redirect stdout or pass -o PATH."
            )
        export = self._prepare(options, self.export_options(options, fmt))
        self.check_jobs(export)
        progress = (
            path is not None
            and not options["no_progress"]
            and options["verbosity"] > 0
            and self._stderr_isatty()
        )
        return Plan(export, path, gzipped, bool(options["force"]), progress)

    def output_format(self, options: dict[str, Any], path: str | None) -> tuple[type[Format], bool]:
        """Return the format and whether to gzip, from --format, --gzip and the output's name."""
        gzipped = bool(options["gzip"])
        fmt: type[Format] | None = None
        if options["format"]:
            fmt = get_format(options["format"])
        if path is not None:
            implied, gz_suffix = format_for_path(path)
            gzipped = gzipped or gz_suffix
            if fmt is None:
                if implied is None:
                    raise CommandError(
                        f"Cannot tell the format from the output name {path!r}; pass --format "
                        f"({_format_names()}) or use one of the suffixes {_suffixes()} (and .gz "
                        "for gzip)."
                    )
                fmt = implied
        return fmt or get_format("csv"), gzipped

    def export_options(self, options: dict[str, Any], fmt: type[Format]) -> ExportOptions:
        return ExportOptions(
            format=options["format"] or fmt.name,
            header=not options["no_header"],
            bom=options["bom"],
            escape_formulas=options["escape_formulas"],
            timezone=options["timezone"],
            engine=options["engine"],
            choices_display=options["choices_display"],
            header_style=options["header_style"],
            prefetch=_count("prefetch", options["prefetch"], minimum=1),
            offset=_count("offset", options["offset"], minimum=0) or 0,
            limit=_count("limit", options["limit"], minimum=0),
            jobs=_count("jobs", options["jobs"], minimum=1) or 1,
        )

    def check_jobs(self, export: PreparedExport) -> None:
        """Refuse ``--jobs N`` for an export that cannot be cut into key ranges."""
        if export.serial_reason is not None:
            raise CommandError(
                f"--jobs {export.options.jobs} cannot cut this export into key ranges: "
                f"{export.serial_reason}. Drop --jobs, or export it ordered by its primary key."
            )

    def _prepare(self, options: dict[str, Any], export_options: ExportOptions) -> PreparedExport:
        return prepare_description(self.describe(options, export_options))

    def describe(self, options: dict[str, Any], export_options: ExportOptions) -> ExportDescription:
        """Translate the command's arguments into an export description."""
        label, sql = options["model"], options["sql"]
        if bool(label) == bool(sql):
            raise CommandError("Give either a model (app_label.Model) or --sql, not both.")
        if sql:
            for name in ("fields", "order_by"):
                if options[name]:
                    raise CommandError(f"--{name.replace('_', '-')} needs a model, not --sql.")
            if options["filter"] or options["exclude"]:
                raise CommandError("--filter and --exclude need a model, not --sql.")
        elif options["param"]:
            raise CommandError("--param goes with --sql.")
        fields, order = _split(options["fields"]), _split(options["order_by"])
        return ExportDescription(
            model=label or None,
            sql=sql or None,
            params=tuple(options["param"]),
            fields=tuple(map(StoredField, fields)) if fields is not None else None,
            filters=tuple(options["filter"]),
            excludes=tuple(options["exclude"]),
            order_by=tuple(order) if order else None,
            database=options["database"],
            options=export_options,
            gzip=bool(options["gzip"]),
        )

    def _stdout_isatty(self) -> bool:
        stream = getattr(self.stdout, "_out", None)
        return bool(getattr(stream, "isatty", lambda: False)())

    def _stderr_isatty(self) -> bool:
        stream = getattr(self.stderr, "_out", None)
        return bool(getattr(stream, "isatty", lambda: False)())

    # --- async: move the bytes -----------------------------------------------------------------
    async def ahandle(self, *args: Any, plan: Plan, verbosity: int, **options: Any) -> None:
        stats = ExportStats(live_rows=plan.progress)
        progress = Progress(self.stderr, stats) if plan.progress else None
        try:
            if plan.path is not None:
                written = await self._to_file(plan, stats, progress)
            else:
                written = await self._to_stdout(plan, stats)
        except CursorStreamError as exc:
            raise CommandError(one_line(exc)) from None
        finally:
            if progress is not None:
                progress.close()
        if verbosity > 0:
            where = plan.path if plan.path is not None else "stdout"
            gzipped = f" (gzip; {_size(stats.bytes)} uncompressed)" if plan.gzipped else ""
            jobs = f", {plan.export.jobs} jobs" if plan.export.jobs > 1 else ""
            summary = (
                f"Exported {stats.rows:,} rows, {_size(written)} written{gzipped} in "
                f"{stats.seconds:.2f} s ({plan.export.format.name}, {plan.export.engine} engine"
                f"{jobs}) to {where}"
            )
            # Data on stdout must stay clean: the summary then goes to stderr, which Django
            # styles as errors by default; this is a success.
            out = self.stdout if plan.path is not None else self.stderr
            out.write(summary, style_func=self.style.SUCCESS if out.isatty() else _plain)

    async def _to_file(self, plan: Plan, stats: ExportStats, progress: Progress | None) -> int:
        """Write the export to ``plan.path`` atomically; return the bytes of the file."""
        assert plan.path is not None
        # A parallel export compresses its parts in parallel itself (one gzip member each).
        parallel = plan.export.jobs > 1
        try:
            with AtomicFile(
                plan.path, force=plan.force, gzipped=plan.gzipped and not parallel
            ) as out:
                chunks = plan.export.achunks(
                    stats=stats,
                    estimate=progress is not None,
                    gzip=plan.gzipped and parallel,
                    spool_dir=out.target.parent,
                )
                async with contextlib.aclosing(chunks) as stream:
                    async for chunk in stream:
                        out.write(chunk)
                        if progress is not None:
                            progress.update()
                out.commit()
            return await asyncio.to_thread(os.path.getsize, out.target)
        except OSError as exc:
            # Disk full, file too large, permissions changed under us: the temporary file is
            # gone (AtomicFile), the export's connection closed (aclosing), the target untouched.
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise CommandError(
                f"Could not write {str(plan.path)!r}: {reason}. Nothing was written there; free "
                "some space or choose another -o path."
            ) from None

    async def _to_stdout(self, plan: Plan, stats: ExportStats) -> int:
        """Write the export to stdout; return the bytes written there."""
        stream = self.stdout._out
        self.stdout.flush()
        buffer: IO[bytes] | None = getattr(stream, "buffer", None)
        binary = plan.gzipped or plan.export.format.binary
        if buffer is None and binary:
            raise CommandError(
                "This stdout takes text only; write binary (gzip, xlsx) output with -o PATH."
            )
        counted = _Counted(buffer) if buffer is not None else None
        writer: Any = None
        # A parallel export compresses its parts in parallel itself (one gzip member each).
        compress = plan.gzipped and plan.export.jobs > 1

        def write(data: bytes) -> None:
            # The writer is made on the first write: a gzip stream writes its own header as
            # soon as it exists, and an export refused by the server must write nothing.
            nonlocal writer
            if writer is None:
                if counted is None:
                    # A text stream (call_command(stdout=StringIO())): decode, keeping
                    # characters whole across chunk boundaries.
                    writer = _TextWriter(stream, codecs.getincrementaldecoder("utf-8")())
                else:
                    # GzipFile only calls write() and flush() on it.
                    gzipped = plan.gzipped and not compress
                    writer = GzipStream(cast("IO[bytes]", counted)) if gzipped else counted
            writer.write(data)

        chunks = plan.export.achunks(stats=stats, gzip=compress)
        try:
            finished = False
            try:
                # The first chunk (the header, made before the query runs) waits for the next
                # one or the end: a query the server refuses (a write in the read-only
                # transaction, nextval()) fails before its first row, and then nothing at all
                # has reached stdout.
                held: bytes | None = None
                first = True
                async with contextlib.aclosing(chunks) as source:
                    async for chunk in source:
                        if first:
                            held, first = chunk, False
                            continue
                        if held is not None:
                            write(held)
                            held = None
                        write(chunk)
                if held is not None:
                    write(held)
                finished = True
            finally:
                if isinstance(writer, _TextWriter) or (isinstance(writer, GzipStream) and finished):
                    writer.close()
                elif isinstance(writer, GzipStream):
                    # A failed export gets no gzip trailer: `| gunzip` must not accept it.
                    writer.abandon()
                elif buffer is not None and writer is not None:
                    try:
                        buffer.flush()
                    except BrokenPipeError:
                        raise
                    except (ValueError, OSError):
                        pass
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly with the status of a process killed
            # by SIGPIPE (128 + 13), as Unix tools do. The export's connection is closed by
            # aclosing(); point stdout at /dev/null so that the interpreter's own flush at exit
            # does not report the broken pipe a second time.
            with contextlib.suppress(OSError, ValueError, AttributeError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
            raise QuietExit(
                "stdout was closed by the reader (broken pipe); the export stopped.",
                returncode=141,
            ) from None
        return counted.count if counted is not None else stats.bytes


def _plain(text: str) -> str:
    return text


class _Counted:
    """A binary stream that counts the bytes written through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.count = stream, 0

    def write(self, data: bytes) -> int:
        self.stream.write(data)
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        self.stream.flush()


class _TextWriter:
    def __init__(self, stream: Any, decoder: codecs.IncrementalDecoder) -> None:
        self.stream, self.decoder = stream, decoder

    def write(self, data: bytes) -> None:
        self.stream.write(self.decoder.decode(data))

    def close(self) -> None:
        self.stream.write(self.decoder.decode(b"", final=True))


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} bytes"


class Progress:
    """A one-line progress bar redrawn on a terminal stderr: rows, rows/s, bytes, ETA."""

    def __init__(self, stderr: Any, stats: ExportStats) -> None:
        self.stderr, self.stats = stderr, stats
        self._last = 0.0
        self._drawn = False

    def update(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        stats = self.stats
        seconds = max(stats.seconds, 1e-6)
        rate = stats.rows / seconds
        parts = [f"{stats.rows:,} rows", f"{rate:,.0f} rows/s", _size(stats.bytes)]
        estimate = stats.estimated_rows
        if estimate:
            done = min(stats.rows / estimate, 1.0)
            width = 24
            filled = int(done * width)
            parts.insert(0, "[" + "#" * filled + "." * (width - filled) + f"] {done:4.0%}")
            if rate > 0 and stats.rows < estimate:
                remaining = int((estimate - stats.rows) / rate)
                parts.append(f"ETA {remaining // 60}:{remaining % 60:02d}")
        # Plain: Django styles stderr as errors (red on a terminal) unless told otherwise.
        self.stderr.write("\r" + "  ".join(parts) + "\x1b[K", style_func=_plain, ending="")
        self.stderr.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.update(force=True)
            self.stderr.write("", style_func=_plain)
