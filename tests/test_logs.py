"""The bug log: one rotating file per user, written from its first record."""

import logging

import pytest

from mesocheck import logs


@pytest.fixture
def fresh_log(tmp_path, monkeypatch):
    """setup_logging() as at start-up, in a folder of this test's own."""
    monkeypatch.setenv("MESOCHECK_HOME", str(tmp_path))
    monkeypatch.setattr(logs, "_configured", None)
    logger = logging.getLogger("mesocheck")
    before = list(logger.handlers)
    yield logger
    for handler in logger.handlers[:]:
        if handler not in before:
            handler.close()
            logger.removeHandler(handler)


def test_the_log_file_is_ready_at_start_up_and_written_from_its_first_record(fresh_log):
    path = logs.setup_logging()
    assert path is not None and path.exists() and path.read_text() == ""
    logging.getLogger("mesocheck.test").warning("intake %s could not be saved", 17)
    for handler in fresh_log.handlers:
        handler.flush()
    line = path.read_text(encoding="utf-8")
    assert "WARNING mesocheck.test: intake 17 could not be saved" in line
    assert logs.setup_logging() == path  # once per process


def test_the_log_rotates_and_keeps_three_old_files(fresh_log, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup_logging()
    for n in range(200):
        logging.getLogger("mesocheck.test").warning("event %d %s", n, "x" * 40)
    for handler in fresh_log.handlers:
        handler.flush()
    kept = sorted(p.name for p in path.parent.iterdir())
    assert kept == ["mesocheck.log", "mesocheck.log.1", "mesocheck.log.2", "mesocheck.log.3"]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "event 199" in path.read_text(encoding="utf-8")


def test_a_log_folder_that_cannot_be_made_means_no_log_and_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder would go")
    monkeypatch.setenv("MESOCHECK_HOME", str(blocker))
    monkeypatch.setattr(logs, "_configured", None)
    assert logs.setup_logging() is None


def test_a_log_folder_gone_by_the_first_record_does_not_break_the_caller(
        fresh_log, monkeypatch, capsys):
    path = logs.setup_logging()
    path.unlink()
    path.parent.rmdir()
    path.parent.write_text("a file where the folder was")
    logging.getLogger("mesocheck.test").error("the first record")  # must not raise
    assert "Logging error" in capsys.readouterr().err  # reported as logging does
    assert path.parent.is_file()
