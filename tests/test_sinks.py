"""cursor_stream.sinks: atomic files (permissions, durability, no partial file) and gzip."""

from __future__ import annotations

import gzip
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cursor_stream.exceptions import InvalidArgument
from cursor_stream.sinks import AtomicFile


@pytest.fixture
def umask() -> Iterator[int]:
    """Run the test under umask 027 (restored afterwards)."""
    previous = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _write(path: Path, data: bytes, **kwargs: bool) -> None:
    with AtomicFile(path, **kwargs) as out:
        out.write(data)
        out.commit()


def test_a_new_file_gets_the_mode_open_gives_without_touching_the_umask(
    tmp_path: Path, umask: int
) -> None:
    # The umask is process-wide: setting it, even to read it, races with every thread that
    # creates a file meanwhile.
    def forbidden(mask: int) -> int:
        raise AssertionError("os.umask() called")

    target = tmp_path / "out.csv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "umask", forbidden)
        _write(target, b"a\n")
    assert target.read_bytes() == b"a\n"
    assert _mode(target) == 0o666 & ~umask == 0o640


def _temporary(directory: Path) -> Path:
    (temporary,) = [p for p in directory.iterdir() if p.name.endswith(".part")]
    return temporary


def test_the_temporary_file_has_the_final_mode_from_the_start(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "out.csv"
    with AtomicFile(target) as out:
        assert _temporary(tmp_path).name.startswith(".out.csv.")
        assert _mode(_temporary(tmp_path)) == 0o640
        out.write(b"x")
    assert list(tmp_path.iterdir()) == []
    # Replacing a private file: private while it is written, too.
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    with AtomicFile(target, force=True) as out:
        assert _mode(_temporary(tmp_path)) == 0o600
        out.write(b"new\n")
        out.commit()
    assert _mode(target) == 0o600


def test_other_threads_files_keep_their_mode_while_exports_commit(
    tmp_path: Path, umask: int
) -> None:
    """Files created by other threads while exports commit get the process umask, always."""
    stop = threading.Event()
    modes: set[int] = set()

    def create_files() -> None:
        n = 0
        while not stop.is_set():
            path = tmp_path / f"other-{n}"
            with open(path, "w"):
                pass
            modes.add(_mode(path))
            path.unlink()
            n += 1

    thread = threading.Thread(target=create_files)
    thread.start()
    try:
        for i in range(300):
            _write(tmp_path / f"export-{i}.csv", b"x")
    finally:
        stop.set()
        thread.join()
    assert modes == {0o640}


def test_replacing_a_file_keeps_its_mode(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "private.csv"
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    _write(target, b"new\n", force=True)
    assert target.read_bytes() == b"new\n"
    assert _mode(target) == 0o600
    target.chmod(0o644)
    _write(target, b"newer\n", force=True)
    assert _mode(target) == 0o644


def test_commit_syncs_the_file_before_the_rename_and_the_directory_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    synced: list[tuple[str, bool]] = []
    fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        kind = "directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        synced.append((kind, target.exists()))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    _write(target, b"a\n")
    assert synced == [("file", False), ("directory", True)]
    synced.clear()
    _write(target, b"b\n", force=True)
    assert synced == [("file", True), ("directory", True)]


def test_leaving_without_commit_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), AtomicFile(target, force=True) as out:
        out.write(b"partial")
        raise RuntimeError
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert target.read_bytes() == b"old\n"


def test_a_file_appearing_meanwhile_is_not_clobbered_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with AtomicFile(target) as out:
        out.write(b"export")
        target.write_bytes(b"someone else's")
        with pytest.raises(InvalidArgument, match="appeared while exporting"):
            out.commit()
    assert target.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_gzipped_file_is_reproducible(tmp_path: Path) -> None:
    for name in ("a.csv.gz", "b.csv.gz"):
        _write(tmp_path / name, b"a,b\n1,2\n", gzipped=True)
    assert (tmp_path / "a.csv.gz").read_bytes() == (tmp_path / "b.csv.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a.csv.gz").read_bytes()) == b"a,b\n1,2\n"
