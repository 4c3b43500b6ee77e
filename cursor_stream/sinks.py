"""Where export bytes go: an atomic file (temporary file + rename), optionally gzipped.

On any error, cancellation or interrupt the temporary file is removed, so the target path holds
either the complete export or whatever it held before, never a partial file.

Permissions: a new file gets what ``open()`` would give it, ``0o666`` less the umask, applied by
the kernel when the temporary file is created (the umask is never read or changed: it is
process-wide, and changing it even briefly races with every other thread creating files). A
file replaced with ``force`` keeps its permission bits, as a shell's ``>`` would.

Durability: the file is fsynced before the rename and its directory after it, so that after
a crash the target holds the old file or the complete new one (see PostgreSQL's own
``durable_rename()`` in src/backend/storage/file/fd.c).
"""

from __future__ import annotations

import contextlib
import errno
import glob
import gzip
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .exceptions import InvalidArgument

#: Attempts at a free temporary name before giving up (names are 64 random bits).
_TEMP_ATTEMPTS = 100


def _existing_mode(path: Path) -> int | None:
    """Return the permission bits of ``path`` (None if there is no such file)."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return None


def _create_temporary(target: Path, mode: int) -> tuple[int, str]:
    """Create a new empty file beside ``target``; return its descriptor and path.

    ``O_EXCL`` makes the name ours (never an existing file or a symlink planted there); the
    kernel reduces ``mode`` by the umask, as for any ``open()``.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_TEMP_ATTEMPTS):
        path = str(target.parent / f".{target.name}.{secrets.token_hex(8)}.part")
        try:
            return os.open(path, flags, mode), path
        except FileExistsError:
            continue
    raise FileExistsError(f"No free temporary file name beside {str(target)!r}.")


def temporary_files(target: str | os.PathLike[str]) -> list[Path]:
    """Return the temporary files an :class:`AtomicFile` for ``target`` may have left behind.

    Only a process killed outright (SIGKILL, a power cut) leaves one: its cleanup never ran.
    """
    path = Path(target)
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.part"))


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # e.g. Windows, where directories cannot be opened (nor need fsync)
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some file systems cannot sync a directory; PostgreSQL's fsync_fname() ignores the
        # same two errors for directories.
        if exc.errno not in (errno.EBADF, errno.EINVAL):
            raise
    finally:
        os.close(fd)


def check_target(path: str | os.PathLike[str], *, force: bool) -> Path:
    """Return the absolute target path after checking that the export may be written there."""
    target = Path(path).expanduser().absolute()
    directory = target.parent
    if not directory.is_dir():
        raise InvalidArgument(
            f"Cannot write {str(target)!r}: the directory {str(directory)!r} does not exist."
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InvalidArgument(
            f"Cannot write {str(target)!r}: the directory {str(directory)!r} is not writable."
        )
    if target.is_dir():
        raise InvalidArgument(f"Cannot write {str(target)!r}: it is a directory.")
    if (target.exists() or target.is_symlink()) and not force:
        raise InvalidArgument(
            f"The output file {str(target)!r} already exists; pass --force (force=True) to "
            "replace it."
        )
    return target


class AtomicFile:
    """A binary file written beside ``target`` and renamed over it by :meth:`commit`.

    Use as a context manager: leaving the block without :meth:`commit` (an exception, a
    cancellation) removes the temporary file and leaves the target untouched.
    """

    def __init__(
        self, target: str | os.PathLike[str], *, force: bool = False, gzipped: bool = False
    ) -> None:
        self.target = check_target(target, force=force)
        self.force = force
        self.gzipped = gzipped
        self.bytes_written = 0
        self._raw: IO[bytes] | None = None
        self._out: IO[bytes] | None = None
        self._tmp: str | None = None

    def __enter__(self) -> AtomicFile:
        # Replacing a file keeps its permission bits (a private export stays private, from the
        # first byte written); a new file gets what open() gives.
        mode = _existing_mode(self.target) if self.force else None
        fd, self._tmp = _create_temporary(self.target, 0o666 if mode is None else mode)
        self._raw = os.fdopen(fd, "wb")
        if self.gzipped:
            # mtime=0 and no file name: the same export gives the same bytes.
            self._out = gzip.GzipFile(  # type: ignore[assignment]
                filename="", mode="wb", fileobj=self._raw, mtime=0
            )
        else:
            self._out = self._raw
        return self

    def write(self, data: bytes) -> None:
        """Write a chunk (counted before compression)."""
        assert self._out is not None, "AtomicFile used outside its with block"
        self._out.write(data)
        self.bytes_written += len(data)

    def commit(self) -> None:
        """Flush, sync and move the file into place, then sync its directory."""
        assert self._out is not None and self._raw is not None and self._tmp is not None
        if self._out is not self._raw:
            self._out.close()
        self._raw.flush()
        mode = _existing_mode(self.target) if self.force else None
        if mode is not None:
            # The umask may have narrowed the mode the file was created with.
            os.fchmod(self._raw.fileno(), mode)
        os.fsync(self._raw.fileno())
        self._raw.close()
        if self.force:
            os.replace(self._tmp, self.target)
        else:
            # link() fails if the target appeared meanwhile: never clobber without --force.
            try:
                os.link(self._tmp, self.target)
            except FileExistsError:
                raise InvalidArgument(
                    f"The output file {str(self.target)!r} appeared while exporting; pass "
                    "--force (force=True) to replace it."
                ) from None
            except OSError:
                # File systems without hard links: fall back to a rename (races are unlikely).
                if self.target.exists():
                    raise
                os.replace(self._tmp, self.target)
            else:
                os.unlink(self._tmp)
        self._tmp = None
        _fsync_directory(self.target.parent)

    def abort(self) -> None:
        """Close and remove the temporary file."""
        for handle in (self._out, self._raw):
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.close()
        if self._tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._tmp)
            self._tmp = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()


class GzipStream:
    """Compress chunks written to a binary stream (for gzipped output to stdout)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=stream, mtime=0)

    def write(self, data: bytes) -> Any:
        return self._gzip.write(data)

    def close(self) -> None:
        self._gzip.close()
        self._stream.flush()

    def abandon(self) -> None:
        """Stop without the gzip trailer, so that a failed export never decompresses cleanly.

        (GzipFile writes its trailer on close, and IOBase closes on garbage collection: detach
        the underlying stream first.)
        """
        self._gzip.fileobj = None  # type: ignore[assignment]
        with contextlib.suppress(ValueError, OSError):
            self._stream.flush()
