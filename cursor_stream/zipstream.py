"""A zip archive written front to back, entry by entry: bytes leave as they are produced.

:class:`ZipStream` never seeks back and holds only the entries' names and sizes, so an archive
of any size takes constant memory and its first bytes can be sent before its content exists.
Each method returns the archive's next bytes; the caller writes or sends them in order.

The layout follows PKWARE's APPNOTE.TXT and the restrictions ECMA-376 Part 2 (Open Packaging
Conventions, Annex B) puts on packages:

* A part whose content is known (:meth:`ZipStream.add`) has its CRC and sizes in its local
  header. A streamed part (:meth:`ZipStream.open`) sets flag bit 3: its local header holds zeros
  and a data descriptor with the CRC and sizes follows its data (APPNOTE 4.3.9).
* ZIP64 only where it is needed, because Excel refuses a package using ZIP64 structures
  around small entries (github.com/zlib-ng/minizip-ng/issues/894,
  github.com/kuba--/zip/issues/384). A streamed entry that may
  grow past 4 GiB is opened with ``zip64=True``: "version needed to extract" 4.5 in its local
  header (Excel asks the file to be repaired when an entry over 4 GiB lacks it: Apache POI bug
  57342, the opczip project) and a data descriptor with 8-byte sizes; the same version in its
  central directory header (LibreOffice's ``ZipFile::readLOC`` treats a local header whose
  version differs from the central directory's as broken), where a ZIP64 extra field carries
  the sizes only if they exceed 32 bits. Every other entry is plain zip (version 2.0, 4-byte
  sizes); one that would exceed 4 GiB anyway is refused (:class:`ZipLimitError`) rather than
  written as an archive that readers disagree on.
* Offsets past 4 GiB go in ZIP64 extra fields of the central directory; an entry whose local
  header itself starts past 4 GiB is given version 4.5 in both headers. The ZIP64 end of
  central directory record (with its locator) is written only when the directory's offset,
  size or entry count needs it, declaring version 4.5 (Excel rejects 4.6 there: zip-rs issue
  388).
* Entries are deflated (raw deflate, zlib's ``wbits=-15``); names are ASCII. With the
  ``zlib-ng`` package installed (the ``xlsx`` extra) its drop-in zlib module deflates and
  computes CRCs instead of the standard library's: the same format, in about half the time
  (see benchmarks/README.md).
"""

from __future__ import annotations

import enum
import struct
import time
import zlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

_zlib_ng: ModuleType | None
try:
    from zlib_ng import zlib_ng as _zlib_ng
except ImportError:  # the optional accelerator is not installed
    _zlib_ng = None

__all__ = ["DEFAULT_CODEC", "ZIP32_LIMIT", "ZipLimitError", "ZipStream", "fastest_level"]

#: The zlib module deflating entries: zlib-ng's when installed, else the standard library's.
DEFAULT_CODEC: ModuleType = _zlib_ng if _zlib_ng is not None else zlib


def fastest_level(codec: ModuleType) -> int:
    """Return the fastest level of ``codec`` that compresses about as well as zlib's level 1.

    zlib-ng's level 1 is its "quick" strategy, whose output is a quarter larger; its level 2
    is still faster than zlib's level 1 and compresses a little better.
    """
    return 2 if codec is _zlib_ng else 1


#: The largest size or offset a plain (non-ZIP64) field holds; 0xFFFFFFFF itself means "see
#: the ZIP64 extra field".
ZIP32_LIMIT = 0xFFFFFFFF
_MAX_ENTRIES32 = 0xFFFF

_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")
_DATA_DESCRIPTOR32 = struct.Struct("<4sLLL")
_DATA_DESCRIPTOR64 = struct.Struct("<4sLQQ")
_CENTRAL_HEADER = struct.Struct("<4sBBHHHHHLLLHHHHHLL")
_END = struct.Struct("<4sHHHHLLH")
_END64 = struct.Struct("<4sQBBHLLQQQQ")
_END64_LOCATOR = struct.Struct("<4sLQL")

_VERSION_DEFLATE = 20  # 2.0: deflate, data descriptors
_VERSION_ZIP64 = 45  # 4.5: ZIP64
_FLAG_DATA_DESCRIPTOR = 0x08
_METHOD_DEFLATE = 8
_ZIP64_EXTRA_ID = 0x0001


class ZipLimitError(ValueError):
    """An entry grew past what its headers can describe (4 GiB without ZIP64)."""


class _State(enum.Enum):
    IDLE = "idle"  # between entries
    STREAMING = "streaming"  # an entry opened with open() takes write()
    FINISHED = "finished"  # the central directory is written


@dataclass
class _Entry:
    name: bytes
    offset: int
    zip64: bool
    streamed: bool
    crc: int = 0
    compressed: int = 0
    size: int = 0

    @property
    def version(self) -> int:
        return _VERSION_ZIP64 if self.zip64 else _VERSION_DEFLATE


def _dos_time(moment: float) -> tuple[int, int]:
    """Return the MS-DOS (time, date) fields of a local time (zip's only timestamp)."""
    t = time.localtime(moment)
    year = min(max(t.tm_year, 1980), 2107)
    return (
        (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
        ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday,
    )


class ZipStream:
    """Produce a zip archive's bytes in order; see the module docstring for the layout.

    ``add()`` a whole entry, or ``open()`` one and ``write()`` its data in pieces, then
    ``close_entry()``; ``finish()`` writes the central directory. Each call returns the bytes to
    append (compressed data comes out as zlib produces it, so some calls return nothing).
    ``codec`` is the zlib module to deflate with (:data:`DEFAULT_CODEC`), ``level`` its
    compression level (:func:`fastest_level`), ``modified`` the entries' time (default: now),
    ``offset`` the bytes that precede the archive in its file.
    """

    def __init__(
        self,
        *,
        codec: ModuleType | None = None,
        level: int | None = None,
        modified: float | None = None,
        offset: int = 0,
    ) -> None:
        self.codec = DEFAULT_CODEC if codec is None else codec
        self.level = fastest_level(self.codec) if level is None else level
        self._time, self._date = _dos_time(time.time() if modified is None else modified)
        self._entries: list[_Entry] = []
        # Where the archive starts in its file: zip offsets count from the start of the file.
        self._offset = offset
        self._state = _State.IDLE
        self._current: _Entry | None = None
        self._deflate: Any = None  # the codec's compress object of the open entry

    def _compressor(self) -> Any:
        # Raw deflate (no zlib header); memLevel 9 is zlib's fastest.
        codec = self.codec
        return codec.compressobj(self.level, codec.DEFLATED, -codec.MAX_WBITS, 9)

    @property
    def offset(self) -> int:
        """Return the position in the file of the next byte (the start ``offset`` + bytes out)."""
        return self._offset

    def _check(self, state: _State, doing: str) -> None:
        if self._state is not state:
            raise RuntimeError(f"Cannot {doing}: the zip stream is {self._state.value}.")

    def _emit(self, data: bytes) -> bytes:
        self._offset += len(data)
        return data

    def _new_entry(self, name: str, *, zip64: bool, streamed: bool) -> _Entry:
        encoded = name.encode("ascii")
        # An entry whose local header starts past 4 GiB needs ZIP64 (its offset), declared the
        # same in both headers.
        entry = _Entry(encoded, self._offset, zip64 or self._offset >= ZIP32_LIMIT, streamed)
        self._entries.append(entry)
        return entry

    def add(self, name: str, data: bytes) -> bytes:
        """Return a whole entry holding ``data`` (a small part: its sizes go in its header)."""
        self._check(_State.IDLE, f"add {name!r}")
        deflate = self._compressor()
        compressed = deflate.compress(data) + deflate.flush()
        if len(data) >= ZIP32_LIMIT or len(compressed) >= ZIP32_LIMIT:
            raise ZipLimitError(f"Entry {name!r} is too large for add(); stream it with open().")
        entry = self._new_entry(name, zip64=False, streamed=False)
        entry.crc, entry.compressed, entry.size = self.codec.crc32(data), len(compressed), len(data)
        return self._emit(self._local_header(entry) + compressed)

    def open(self, name: str, *, zip64: bool = False) -> bytes:
        """Start a streamed entry and return its local header.

        ``zip64``: the entry may grow past 4 GiB (uncompressed). Without it, a write() taking
        the entry there raises :class:`ZipLimitError`.
        """
        self._check(_State.IDLE, f"open {name!r}")
        self._current = self._new_entry(name, zip64=zip64, streamed=True)
        self._deflate = self._compressor()
        self._state = _State.STREAMING
        return self._emit(self._local_header(self._current))

    def write(self, data: bytes) -> bytes:
        """Add ``data`` to the open entry; return the compressed bytes ready so far."""
        self._check(_State.STREAMING, "write")
        entry, deflate = self._current, self._deflate
        assert entry is not None and deflate is not None
        if not entry.zip64 and entry.size + len(data) >= ZIP32_LIMIT:
            raise ZipLimitError(
                f"Entry {entry.name.decode()!r} would exceed 4 GiB; open it with zip64=True."
            )
        entry.size += len(data)
        entry.crc = self.codec.crc32(data, entry.crc)
        return self._compressed(deflate.compress(data))

    def flush(self) -> bytes:
        """Return every compressed byte of the data written so far (a sync flush)."""
        self._check(_State.STREAMING, "flush")
        assert self._deflate is not None
        return self._compressed(self._deflate.flush(self.codec.Z_SYNC_FLUSH))

    def _compressed(self, data: bytes) -> bytes:
        assert self._current is not None
        self._current.compressed += len(data)
        return self._emit(data)

    def close_entry(self) -> bytes:
        """End the open entry: return its last compressed bytes and its data descriptor."""
        self._check(_State.STREAMING, "close the entry")
        entry, deflate = self._current, self._deflate
        assert entry is not None and deflate is not None
        tail = deflate.flush()
        entry.compressed += len(tail)
        if not entry.zip64 and entry.compressed >= ZIP32_LIMIT:  # incompressible data only
            raise ZipLimitError(f"Entry {entry.name.decode()!r} exceeds 4 GiB compressed.")
        if entry.zip64:
            descriptor = _DATA_DESCRIPTOR64.pack(
                b"PK\x07\x08", entry.crc, entry.compressed, entry.size
            )
        else:
            descriptor = _DATA_DESCRIPTOR32.pack(
                b"PK\x07\x08", entry.crc, entry.compressed, entry.size
            )
        self._current, self._deflate = None, None
        self._state = _State.IDLE
        return self._emit(tail + descriptor)

    def finish(self) -> bytes:
        """Return the central directory and the end records; the archive is then complete."""
        self._check(_State.IDLE, "finish")
        start = self._offset
        directory = b"".join(self._central_header(entry) for entry in self._entries)
        count, size = len(self._entries), len(directory)
        tail = b""
        if start >= ZIP32_LIMIT or size >= ZIP32_LIMIT or count >= _MAX_ENTRIES32:
            end64_offset = start + size
            tail = _END64.pack(
                b"PK\x06\x06",
                _END64.size - 12,  # the size of the rest of the record
                _VERSION_ZIP64,  # version made by (MS-DOS)
                0,
                _VERSION_ZIP64,  # version needed to extract
                0,  # this disk
                0,  # the disk where the directory starts
                count,
                count,
                size,
                start,
            ) + _END64_LOCATOR.pack(b"PK\x06\x07", 0, end64_offset, 1)
        tail += _END.pack(
            b"PK\x05\x06",
            0,
            0,
            min(count, _MAX_ENTRIES32),
            min(count, _MAX_ENTRIES32),
            min(size, ZIP32_LIMIT),
            min(start, ZIP32_LIMIT),
            0,
        )
        self._state = _State.FINISHED
        return self._emit(directory + tail)

    def _local_header(self, entry: _Entry) -> bytes:
        known = not entry.streamed
        return (
            _LOCAL_HEADER.pack(
                b"PK\x03\x04",
                entry.version,
                0 if known else _FLAG_DATA_DESCRIPTOR,
                _METHOD_DEFLATE,
                self._time,
                self._date,
                entry.crc if known else 0,
                entry.compressed if known else 0,
                entry.size if known else 0,
                len(entry.name),
                0,  # no extra field
            )
            + entry.name
        )

    def _central_header(self, entry: _Entry) -> bytes:
        # The ZIP64 extra field holds, in this order, only the values too large for their
        # 32-bit field, which then reads 0xFFFFFFFF (APPNOTE 4.5.3).
        extra_values = []
        size, compressed, offset = entry.size, entry.compressed, entry.offset
        if size >= ZIP32_LIMIT:
            extra_values.append(size)
            size = ZIP32_LIMIT
        if compressed >= ZIP32_LIMIT:
            extra_values.append(compressed)
            compressed = ZIP32_LIMIT
        if offset >= ZIP32_LIMIT:
            extra_values.append(offset)
            offset = ZIP32_LIMIT
        extra = b""
        if extra_values:
            extra = struct.pack(
                f"<HH{len(extra_values)}Q",
                _ZIP64_EXTRA_ID,
                8 * len(extra_values),
                *extra_values,
            )
        return (
            _CENTRAL_HEADER.pack(
                b"PK\x01\x02",
                entry.version,  # version made by
                0,  # ... on MS-DOS (no Unix permissions)
                entry.version,  # version needed to extract, as in the local header
                _FLAG_DATA_DESCRIPTOR if entry.streamed else 0,
                _METHOD_DEFLATE,
                self._time,
                self._date,
                entry.crc,
                compressed,
                size,
                len(entry.name),
                len(extra),
                0,  # comment length
                0,  # disk number
                0,  # internal attributes
                0,  # external attributes
                offset,
            )
            + entry.name
            + extra
        )
