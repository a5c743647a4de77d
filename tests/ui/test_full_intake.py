"""A whole intake through the real widgets, then what the database holds."""

from datetime import date

from mesocheck.store import Store

import intake_driver as drive


def test_walk_in_patient_completes_and_signs(qtbot, make_window, db_path, practitioner):
    window = make_window()
    assert window.current_screen == "welcome"
    drive.click(qtbot, window.welcome.start_button)
    walk_in = window.walk_in
    drive.type_text(qtbot, walk_in.name, "Ada Example")
    drive.set_date(walk_in.birth_date, date(1990, 5, 1))
    drive.click(qtbot, walk_in.area_buttons["scalp"])
    drive.click(qtbot, walk_in.go_button)
    qtbot.waitUntil(lambda: window.current_screen == "wizard", timeout=5000)
    wizard = window.wizard
    drive.walk_to(qtbot, wizard, "summary", {"sun_recent": True})
    drive.click(qtbot, wizard.next_button)
    page = wizard.current
    drive.type_text(qtbot, page.name, "Ada Example")
    drive.sign(page.pad)
    intake_id = wizard.session.intake_id
    drive.click(qtbot, wizard.next_button)
    qtbot.waitUntil(lambda: window.current_screen == "thanks", timeout=10_000)
    drive.settle(qtbot, window)

    with Store.open(db_path) as store:
        record = store.intake(intake_id)
    assert record.status == "submitted" and record.locked
    assert record.patient.name == "Ada Example"
    assert record.area == "scalp"
    assert record.answers["sun_recent"] is True
    assert record.answers["conditions"] == ["none"]
    assert {a.disclosure_id for a in record.acknowledgements} >= {"pain", "hair_loss_not_approved"}
    assert [f.rule_id for f in record.flags] == ["sun_recent"]
    (signature,) = record.signatures
    assert signature.printed_name == "Ada Example"
    assert len(signature.strokes) == 2 and len(signature.strokes[0]) > 20
