"""A whole intake through the real widgets, then what the database holds."""

from mesocheck.store import Store
from tests.support import intake_driver as drive


def test_walk_in_patient_completes_and_signs(qtbot, make_window, db_path, practitioner):
    window = make_window()
    assert window.current_screen == "welcome"
    intake_id = drive.walk_in_and_sign(qtbot, window, {"sun_recent": True})
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
