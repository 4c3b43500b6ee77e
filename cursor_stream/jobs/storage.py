"""Writing an export's bytes into a Django storage, so that the object appears only complete.

Two writers, one contract (``write()`` ... then ``commit()`` or ``abort()``):

* :class:`LocalWriter`, for storages with files on a local or shared file system (those with a
  ``path()``, such as ``FileSystemStorage``): the bytes go to a partial file under the storage's
  hidden ``.partial/`` directory, which is renamed into place by ``commit()``. The partial file
  of a job has a fixed name, so another worker can resume it from a checkpoint.
* :class:`StreamingWriter`, for every other storage (django-storages' S3 backend, ...): the
  storage's own ``save()`` runs in a thread and reads the export from a bounded pipe. The S3
  backend uploads what it reads as a multipart upload, which becomes an object only when it is
  completed; a failed read aborts the upload (boto3's transfer manager cleans up the parts).

Memory is bounded by the pipe (and by the storage's own part buffers), whatever the size.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import queue
import threading
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import Storage

#: Chunks waiting between the export and a streaming storage upload.
PIPE_CHUNKS = 16

#: Hidden directory (inside the result storage) of local partial files.
PARTIAL_DIR = ".partial"


class WriteError(OSError):
    """The storage refused or failed a write."""


class _Hashing:
    """The bytes that reach the storage: counted and hashed (SHA-256) on the way."""

    def __init__(self, raw: Any, sha: Any = None, size: int = 0) -> None:
        self.raw = raw
        self.sha = sha or hashlib.sha256()
        self.size = size

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        flush = getattr(self.raw, "flush", None)
        if flush is not None:
            flush()


class ResultWriter:
    """Base class: gzip (optional), size and SHA-256 of what is stored."""

    #: Whether a later run can continue this writer's partial result.
    resumable = False

    def __init__(self, storage: Storage, name: str, *, gzipped: bool) -> None:
        self.storage = storage
        self.name = name
        self.gzipped = gzipped
        self._hashing: _Hashing | None = None
        self._gzip: gzip.GzipFile | None = None

    def _start(self, raw: Any, sha: Any = None, size: int = 0) -> None:
        self._hashing = _Hashing(raw, sha, size)
        if self.gzipped:
            # mtime=0 and no file name: the same export gives the same bytes (as streamdata).
            self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._hashing, mtime=0)  # type: ignore[arg-type]

    def write(self, data: bytes) -> None:
        """Write a chunk of the export."""
        assert self._hashing is not None
        (self._gzip or self._hashing).write(data)

    def _finish_stream(self) -> None:
        if self._gzip is not None:
            self._gzip.close()
            self._gzip = None

    @property
    def size(self) -> int:
        return self._hashing.size if self._hashing is not None else 0

    @property
    def sha256(self) -> str:
        return self._hashing.sha.hexdigest() if self._hashing is not None else ""

    def commit(self) -> str:
        """Make the object appear under its final name and return that name."""
        raise NotImplementedError

    def abort(self) -> None:
        """Remove whatever was written (idempotent)."""
        raise NotImplementedError

    def release(self) -> None:
        """Stop writing, keeping what a later run may resume from (default: nothing)."""
        self.abort()


def is_local(storage: Storage) -> bool:
    """Return True if ``storage`` keeps its files on a file system this process can reach."""
    try:
        storage.path("x")
    except NotImplementedError:
        return False
    return True


def partial_name(job_id: Any, attempt: int) -> str:
    """Return the storage name of a job run's partial file (each run writes its own)."""
    return f"{PARTIAL_DIR}/job-{job_id}-{attempt}.part"


class LocalWriter(ResultWriter):
    """A partial file under ``.partial/``, renamed into place by :meth:`commit`."""

    resumable = True

    def __init__(
        self,
        storage: Storage,
        name: str,
        *,
        gzipped: bool,
        job_id: Any,
        attempt: int,
        resume: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(storage, name, gzipped=gzipped)
        self.partial = Path(storage.path(partial_name(job_id, attempt)))
        self.partial.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._file: IO[bytes] | None = open(self.partial, "wb")  # noqa: SIM115 (until commit)
        if resume is None:
            self._start(self._file)
            return
        # Continue the partial file of an earlier run (attempt, size at its checkpoint). That
        # run's worker may still be alive and writing (a long pause, then it notices it lost the
        # job): never write into its file. Copy the checkpointed prefix into this run's own file,
        # hashing it on the way; what the earlier run wrote after its checkpoint is left out.
        earlier, size = resume
        source = Path(storage.path(partial_name(job_id, earlier)))
        sha = hashlib.sha256()
        try:
            with open(source, "rb") as old:
                remaining = size
                while remaining:
                    block = old.read(min(remaining, 1 << 20))
                    if not block:
                        raise FileNotFoundError(f"{source} is shorter than its checkpoint")
                    self._file.write(block)
                    sha.update(block)
                    remaining -= len(block)
        except BaseException:
            self.abort()
            raise
        with contextlib.suppress(FileNotFoundError):
            source.unlink()
        self._start(self._file, sha, size)

    def checkpoint(self) -> int:
        """Flush and sync what was written; return the size a resumed run may continue from."""
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        return self.size

    def commit(self) -> str:
        assert self._file is not None
        self._finish_stream()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.chmod(self.partial, 0o600)
        name = str(self.storage.get_available_name(self.name))
        final = Path(self.storage.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            try:
                # link() never replaces an object that appeared meanwhile (another job's).
                os.link(self.partial, final)
                break
            except FileExistsError:
                name = str(self.storage.get_available_name(self.name))
                final = Path(self.storage.path(name))
        else:
            raise WriteError(f"Could not find a free name for {self.name!r} in the storage.")
        self.partial.unlink()
        return name

    def abort(self) -> None:
        self.release()
        with contextlib.suppress(FileNotFoundError):
            self.partial.unlink()

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None


def discard_partial(storage: Storage, job_id: Any) -> None:
    """Remove every partial file of a job, if any."""
    if is_local(storage):
        directory = Path(storage.path(PARTIAL_DIR))
        # Runs' partial files (job-<id>-<run>.part), parts of parallel runs (.part, .json).
        for path in directory.glob(f"job-{job_id}-*"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


_EOF = object()


class _Pipe:
    """A bounded pipe read by the storage's ``save()`` in another thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=PIPE_CHUNKS)
        self._buffer = b""
        self._ended = False
        #: Set by the reader when the storage gave up; by the writer to abandon the upload.
        self.failed = threading.Event()
        self.aborted = threading.Event()

    # The writing side (the job's thread).
    def put(self, item: Any) -> None:
        while True:
            if self.failed.is_set():
                raise WriteError("The storage stopped reading the export.")
            try:
                self._queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def abort(self) -> None:
        self.aborted.set()

    # The reading side (the storage's save()).
    def read(self, size: int = -1) -> bytes:
        while not self._ended and (size < 0 or len(self._buffer) < size):
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self.aborted.is_set():
                    raise _Aborted("export abandoned") from None
                continue
            if self.aborted.is_set():
                raise _Aborted("export abandoned")
            if item is _EOF:
                self._ended = True
            elif isinstance(item, BaseException):
                self._ended = True
                raise item
            else:
                self._buffer += item
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class _PipeFile:
    """What ``Storage.save()`` reads: a non-seekable file object with ``chunks()``."""

    def __init__(self, pipe: _Pipe, name: str) -> None:
        self.pipe = pipe
        self.name = name
        self.size = None

    def read(self, size: int = -1) -> bytes:
        return self.pipe.read(size)

    def chunks(self, chunk_size: int = 64 * 1024) -> Any:
        while data := self.pipe.read(chunk_size):
            yield data

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass

    @property
    def closed(self) -> bool:
        return False


class _Aborted(Exception):
    """Raised inside the storage's read to make it abandon the upload."""


class _PipeSink:
    """The raw target of a streaming writer: bytes go into the pipe."""

    def __init__(self, pipe: _Pipe) -> None:
        self.pipe = pipe

    def write(self, data: bytes) -> int:
        if data:
            self.pipe.put(bytes(data))
        return len(data)


class StreamingWriter(ResultWriter):
    """The storage's ``save()`` in a thread, reading the export from a bounded pipe."""

    def __init__(self, storage: Storage, name: str, *, gzipped: bool) -> None:
        super().__init__(storage, name, gzipped=gzipped)
        self._pipe = _Pipe()
        self._result: list[str] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._save, name="cursor-stream-upload", daemon=True)
        self._thread.start()
        self._start(_PipeSink(self._pipe))

    def _save(self) -> None:
        try:
            self._result.append(self.storage.save(self.name, _PipeFile(self._pipe, self.name)))
        except BaseException as exc:
            self._error.append(exc)
            self._pipe.failed.set()

    def commit(self) -> str:
        self._finish_stream()
        self._pipe.put(_EOF)
        self._thread.join()
        if self._error:
            exc = self._error[0]
            raise WriteError(f"The storage refused the export: {exc}") from exc
        return str(self._result[0])

    def abort(self) -> None:
        self._pipe.abort()
        self._thread.join(timeout=30)
        if self._result:
            # save() completed before we knew the export had to be dropped.
            with contextlib.suppress(Exception):
                self.storage.delete(self._result[0])


def open_writer(
    storage: Storage,
    name: str,
    *,
    gzipped: bool,
    job_id: Any,
    attempt: int,
    resume: tuple[int, int] | None = None,
) -> ResultWriter:
    """Return the writer for ``storage`` (see the module docstring)."""
    if is_local(storage):
        return LocalWriter(
            storage, name, gzipped=gzipped, job_id=job_id, attempt=attempt, resume=resume
        )
    return StreamingWriter(storage, name, gzipped=gzipped)
