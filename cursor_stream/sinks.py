"""Where export bytes go: an atomic file (temporary file + rename), optionally gzipped.

On any error, cancellation or interrupt the temporary file is removed, so the target path holds
either the complete export or whatever it held before, never a partial file.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .exceptions import InvalidArgument


def _umask() -> int:
    # os.umask() can only be read by setting it; set it straight back.
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        fd, self._tmp = tempfile.mkstemp(
            dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
        )
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
        """Flush, sync and move the file into place."""
        assert self._out is not None and self._raw is not None and self._tmp is not None
        if self._out is not self._raw:
            self._out.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        # mkstemp creates 0600 files; give the export the permissions open() would have.
        os.chmod(self._tmp, 0o666 & ~_umask())
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
