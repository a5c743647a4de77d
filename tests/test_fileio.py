"""Files written whole or not at all, and what a killed writer leaves behind."""

from __future__ import annotations

import os
import time

import pytest

from mesocheck.fileio import CannotWrite, write_atomic


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_file_appears_whole_and_private(tmp_path):
    target = write_atomic(tmp_path / "consent.pdf", b"%PDF-1.7 whole")
    assert target.read_bytes() == b"%PDF-1.7 whole"
    assert target.stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir()] == ["consent.pdf"]


def test_temporary_files_of_dead_writers_are_removed_by_the_next_write(tmp_path):
    stale = tmp_path / ".consent.pdf.k3j9_x2a.part"
    live = tmp_path / ".consent.pdf.q81mz0ab.part"  # another writer, still at work
    other_name = tmp_path / ".export.json.k3j9_x2a.part"  # another target's: not ours
    look_alike = tmp_path / ".consent.pdf.notes.part"  # not a name mkstemp makes
    for path in (stale, live, other_name, look_alike):
        path.write_bytes(b"half a document")
    for path in (stale, other_name, look_alike):
        _age(path, 7200)
    write_atomic(tmp_path / "consent.pdf", b"%PDF-1.7 whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["consent.pdf", live.name, other_name.name, look_alike.name])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "export.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        from mesocheck.fileio import atomic_writer

        with atomic_writer(target) as stream:
            stream.write(b"new, half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]


def test_a_missing_folder_is_a_sentence(tmp_path):
    with pytest.raises(CannotWrite, match="does not exist"):
        write_atomic(tmp_path / "nowhere" / "consent.pdf", b"x")
