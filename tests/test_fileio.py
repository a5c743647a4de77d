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
    """Whatever their name and age: a live writer holds a lock on its file, a dead one no
    longer can."""
    from mesocheck.fileio import atomic_writer

    dead = tmp_path / ".consent.pdf.k3j9_x2a.part"
    dead_other_name = tmp_path / ".export.json.k3j9_x2b.part"
    dead_backup = tmp_path / f".copy.sqlite3.{'ab' * 16}.partial"
    dead_backup_journal = tmp_path / f".copy.sqlite3.{'ab' * 16}.partial-journal"
    orphan_journal = tmp_path / f".new.sqlite3.{'cd' * 16}.new-journal"
    look_alike = tmp_path / ".consent.pdf.notes.part"  # not a name mesocheck makes
    for path in (dead, dead_other_name, dead_backup, dead_backup_journal, orphan_journal,
                 look_alike):
        path.write_bytes(b"half a document")
    with atomic_writer(tmp_path / "report.json") as live:  # another writer, still at work
        live.write(b"[")
        write_atomic(tmp_path / "consent.pdf", b"%PDF-1.7 whole")
        names = sorted(p.name for p in tmp_path.iterdir())
        live.write(b"]")
    assert [n for n in names if n.startswith(".report.json.")], "the live writer's file went"
    assert sorted(n for n in names if not n.startswith(".report.json.")) == sorted(
        ["consent.pdf", look_alike.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["consent.pdf", "report.json", look_alike.name])
    assert (tmp_path / "report.json").read_bytes() == b"[]"


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
