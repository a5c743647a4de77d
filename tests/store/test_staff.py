import pytest

from mesocheck.store import InvalidPin, InvalidState, Store
from mesocheck.store.audit import staff_actor
from mesocheck.store.settings import InvalidSetting
from mesocheck.store.staff import hash_pin, pin_matches

from tests.support import at_rest
from tests.support.store_rows import FRONT_DESK, FRONT_DESK_PIN, PRACTITIONER, PRACTITIONER_PIN


def test_pin_hash_is_self_describing_scrypt():
    stored = hash_pin("4821")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**17), "8", "1")
    assert pin_matches("4821", stored) and not pin_matches("4822", stored)
    assert hash_pin("4821") != stored  # salted


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "", " 1234", "١٢٣٤"])
def test_pin_format_is_checked(pin):
    with pytest.raises(InvalidPin, match="digits only, at most 12"):
        hash_pin(pin)


@pytest.mark.parametrize("pin, why", [
    ("4821", "6 to 12 digits"), ("48210", "6 to 12 digits"),
    ("123456", "anybody would try first"), ("654321", "anybody would try first"),
    ("111111", "anybody would try first"), ("890123", "anybody would try first"),
    ("121212", "anybody would try first"), ("123123", "anybody would try first"),
    ("112233", "anybody would try first"), ("147258", "anybody would try first"),
    ("258369", "anybody would try first"), ("000000000000", "anybody would try first"),
])
def test_a_new_pin_is_long_enough_and_no_easy_guess(staffed, pin, why):
    with pytest.raises(InvalidPin, match=why):
        staffed.add_staff("Kit New", "front-desk", pin, "system")
    with pytest.raises(InvalidPin, match=why):
        staffed.change_pin(FRONT_DESK, pin, "system")
    assert [m.name for m in staffed.staff_members()] == ["Ben Desk", "Dr Ada Practitioner"]


def test_the_clinic_chooses_the_shortest_pin(staffed):
    assert staffed.pin_min_length() == 6
    staffed.set_setting("pin_min_length", 8, "system")
    with pytest.raises(InvalidPin, match="A PIN is 8 to 12 digits"):
        staffed.add_staff("Kit New", "front-desk", "582047", "system")
    staffed.add_staff("Kit New", "front-desk", "58204719", "system")
    staffed.set_setting("pin_min_length", 99, "system")  # out of range: the default holds
    assert staffed.pin_min_length() == 6


def test_a_pin_set_under_older_rules_signs_in_and_is_weak(staffed):
    staffed.set_setting("pin_min_length", 4, "system")
    member = staffed.add_staff("Kit Old", "front-desk", "4821", "system")
    staffed.set_setting("pin_min_length", 6, "system")
    check = staffed.check_pin(member, "4821")
    assert check.ok and check.weak
    staffed.change_pin(member, "582047", "system")
    check = staffed.check_pin(member, "582047")
    assert check.ok and not check.weak
    assert not staffed.check_pin(PRACTITIONER, PRACTITIONER_PIN).weak


def test_first_run_needs_a_practitioner(staffed, tmp_path, clock):
    at_rest.set_up(tmp_path / "fresh.sqlite3")
    with Store.open(tmp_path / "fresh.sqlite3", clock=clock) as fresh:
        assert not fresh.has_practitioner()
    assert staffed.has_practitioner()
    assert [(m.id, m.role) for m in staffed.staff_members()] == [
        (FRONT_DESK, "front-desk"), (PRACTITIONER, "practitioner")]


def test_right_pin_signs_in_and_resets_the_count(staffed):
    wrong = staffed.check_pin(FRONT_DESK, "0000")
    assert (wrong.ok, wrong.attempts_left) == (False, 4)
    right = staffed.check_pin(FRONT_DESK, FRONT_DESK_PIN)
    assert right.ok and right.attempts_left == 5
    assert staffed.connection.execute(
        "SELECT failed_attempts FROM staff WHERE id = ?", (FRONT_DESK,)).fetchone()[0] == 0


def test_five_wrong_pins_lock_the_account_across_restarts(staffed, db_path, clock):
    results = [staffed.check_pin(PRACTITIONER, "9999") for _ in range(5)]
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].locked_until is not None
    staffed.close()

    with Store.open(db_path, clock=clock) as reopened:
        refused = reopened.check_pin(PRACTITIONER, PRACTITIONER_PIN)
        assert not refused.ok and refused.locked_until == results[-1].locked_until
        clock.advance(minutes=15)
        assert reopened.check_pin(PRACTITIONER, PRACTITIONER_PIN).ok
        actions = [a for (a,) in reopened.connection.execute(
            "SELECT action FROM audit WHERE action LIKE 'sign_in%' ORDER BY id")]
        assert actions == ["sign_in_failed"] * 4 + ["sign_in_locked_out", "sign_in_refused",
                                                    "sign_in"]
        logged = "".join(r for (r,) in reopened.connection.execute("SELECT rows FROM audit"))
        assert PRACTITIONER_PIN not in logged and "9999" not in logged
        assert reopened.verify() == []


# -- a practitioner runs the clinic ---------------------------------------------------------


def _actions(store):
    return [(a, actor) for a, actor in store.connection.execute(
        "SELECT action, actor FROM audit ORDER BY id")]


def test_a_practitioner_manages_accounts_each_change_audited(staffed):
    doctor = staff_actor(PRACTITIONER)
    new = staffed.add_staff("Ana Ruiz", "front-desk", "583926", doctor)
    for _ in range(5):
        staffed.check_pin(new, "0000")
    assert not staffed.check_pin(new, "583926").ok  # locked out
    staffed.unlock_staff(new, doctor)
    assert staffed.check_pin(new, "583926").ok
    staffed.change_pin(new, "692417", doctor)
    assert staffed.check_pin(new, "692417").ok
    staffed.set_staff_active(new, False, doctor)
    assert not staffed.check_pin(new, "692417").ok  # a leaver cannot sign in
    assert "Ana Ruiz" in [m.name for m in staffed.staff_members(include_inactive=True)]
    assert "Ana Ruiz" not in [m.name for m in staffed.staff_members()]
    staffed.set_staff_active(new, True, doctor)
    assert staffed.check_pin(new, "692417").ok
    mine = [a for a in _actions(staffed) if a[1] == doctor]
    assert mine == [("add_staff", doctor), ("unlock_staff", doctor), ("change_pin", doctor),
                    ("deactivate_staff", doctor), ("activate_staff", doctor)]
    assert staffed.verify() == []


@pytest.mark.parametrize("actor", [staff_actor(FRONT_DESK), "patient", staff_actor(99)])
def test_only_the_system_or_an_active_practitioner_manages_staff_and_settings(staffed, actor):
    before = _actions(staffed)
    for change in (lambda: staffed.add_staff("Eve", "practitioner", "714952", actor),
                   lambda: staffed.change_pin(FRONT_DESK, "714952", actor),
                   lambda: staffed.unlock_staff(FRONT_DESK, actor),
                   lambda: staffed.set_staff_active(PRACTITIONER, False, actor),
                   lambda: staffed.set_settings({"clinic_name": "Mine now"}, actor)):
        with pytest.raises(InvalidState, match="Only a practitioner"):
            change()
    assert _actions(staffed) == before  # nothing written, not even an audit row


def test_a_deactivated_practitioner_manages_nothing(staffed):
    doctor = staff_actor(PRACTITIONER)
    other = staffed.add_staff("Dr Second", "practitioner", "825163", doctor)
    staffed.set_staff_active(PRACTITIONER, False, staff_actor(other))
    with pytest.raises(InvalidState, match="Only a practitioner"):
        staffed.unlock_staff(FRONT_DESK, doctor)


def test_the_last_active_practitioner_cannot_be_deactivated_from_the_tablet(staffed):
    with pytest.raises(InvalidState, match="only active practitioner"):
        staffed.set_staff_active(PRACTITIONER, False, staff_actor(PRACTITIONER))
    assert staffed.has_practitioner()


def test_clinic_settings_are_checked_before_they_are_stored(staffed):
    doctor = staff_actor(PRACTITIONER)
    staffed.set_settings({"clinic_name": "  Clinique\u202e  Lumière ", "idle_timeout_s": 300,
                          "time_zone": "Europe/Paris", "full_screen": False}, doctor)
    settings = staffed.settings()
    assert (settings["clinic_name"], settings["idle_timeout_s"], settings["time_zone"],
            settings["full_screen"]) == ("Clinique Lumière", 300, "Europe/Paris", False)
    for values, words in (({"idle_timeout_s": 5}, "between 30 seconds"),
                          ({"idle_timeout_s": "300"}, "between 30 seconds"),
                          ({"time_zone": "Mars/Olympus"}, "not known"),
                          ({"full_screen": "yes"}, "on or off"),
                          ({"clinic_name": "x" * 121}, "under 120"),
                          ({"clinic_language": "de"}, "not one the app has"),
                          ({"clinic_language": None}, "not one the app has")):
        with pytest.raises(InvalidSetting, match=words):
            staffed.set_settings({"clinic_name": "Changed", **values}, doctor)
    assert staffed.settings()["clinic_name"] == "Clinique Lumière"  # nothing half-saved
    staffed.set_settings({"time_zone": None}, doctor)
    assert staffed.settings()["time_zone"] is None


def test_the_clinic_language_is_english_until_a_practitioner_chooses_a_shipped_one(staffed):
    assert staffed.settings()["clinic_language"] == "en"
    staffed.set_settings({"clinic_language": "fr"}, staff_actor(PRACTITIONER))
    assert staffed.settings()["clinic_language"] == "fr"
