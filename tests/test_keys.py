"""The clinic passphrase: how it is given, and the secrets it wraps."""

import pytest

from mesocheck import keys
from mesocheck.errors import MesocheckError


def test_a_wrapped_secret_comes_back_only_with_its_passphrase_and_purpose():
    wrapped = keys.wrap(b"the key", "correct horse battery", "seal key")
    assert b"the key" not in wrapped.encode()
    assert keys.unwrap(wrapped, "correct horse battery", "seal key") == b"the key"
    with pytest.raises(keys.WrongPassphrase) as wrong:
        keys.unwrap(wrapped, "correct horse batterY", "seal key")
    assert wrong.value.message == "the clinic passphrase is wrong; nothing was changed"
    with pytest.raises(keys.WrongPassphrase):
        keys.unwrap(wrapped, "correct horse battery", "database key")


def test_wrapping_records_its_own_cost_so_it_can_rise_later(monkeypatch):
    wrapped = keys.wrap(b"k", "correct horse battery", "p")
    monkeypatch.setattr(keys, "SCRYPT_N", 2**5)
    assert keys.unwrap(wrapped, "correct horse battery", "p") == b"k"


@pytest.mark.parametrize("damage", ["", "{}", "not json", '{"v": 2}'])
def test_a_damaged_wrapped_key_is_a_sentence(damage):
    with pytest.raises(MesocheckError, match="damaged and cannot be unlocked"):
        keys.unwrap(damage, "correct horse battery", "p")


def test_the_passphrase_is_the_first_line_of_its_file(tmp_path):
    file = tmp_path / "pass"
    file.write_text("two words here\nignored\n")
    assert keys.ask_passphrase(file) == "two words here"


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    (b"", "has no passphrase on its first line"),
    (b"\n\nlater", "has no passphrase on its first line"),
    (b"\xff\xfe\x00", "is not UTF-8 text"),
])
def test_a_bad_passphrase_file_is_named(tmp_path, content, message):
    file = tmp_path / "pass"
    if content is not None:
        file.write_bytes(content)
    with pytest.raises(MesocheckError, match=message):
        keys.ask_passphrase(file)


def test_a_folder_given_as_the_passphrase_file_is_named(tmp_path):
    with pytest.raises(MesocheckError, match="is a folder"):
        keys.ask_passphrase(tmp_path)


def test_without_a_file_or_a_terminal_the_message_says_how_to_give_it(monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("typed"))
    with pytest.raises(MesocheckError, match="give --passphrase-file FILE"):
        keys.ask_passphrase(None)


def test_a_new_passphrase_must_be_long_enough(tmp_path):
    file = tmp_path / "pass"
    file.write_text("short\n")
    with pytest.raises(MesocheckError, match="at least 10 characters"):
        keys.ask_passphrase(file, new=True)
