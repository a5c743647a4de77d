"""Render the review queue and one intake's detail to PNG at tablet and desktop sizes.

    QT_QPA_PLATFORM=offscreen python -m scripts.review_screenshots [OUT_DIR]

(from the repository's folder: the intakes are made as the tests make them, tests/support).

The database is made on the fly: intakes with several flags of every severity, long and
right-to-left names, some decided and one countersigned, so what is clipped or cramped shows.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

SIZES = ((1280, 800), (800, 1280), (1920, 1080))


def build(store):
    from tests.support.answers import CLEAN_ANSWERS
    from tests.support.intakes import countersign_now, make_intake, make_staff, today_at

    from mesocheck import review

    doctor, _desk = make_staff(store)
    names = [
        ("Maximiliana Alexandra Wolfeschlegelsteinhausen-Bergerdorff", 9, None),
        ("مريم الحسن", 9, 30),
        ("Amelia Smith", 10, None),
        ("דוד לוי", 11, None),
        ("Zoë Kowalski", 12, 15),
        ("Siobhán O'Brien", 14, None),
        ("Hiroshi Tanaka", 16, 45),
    ]
    ids = []
    for i, (name, hour, minute) in enumerate(names):
        answers = CLEAN_ANSWERS if i in (4, 6) else None
        ids.append(make_intake(store, name=name, answers=answers,
                               appointment=today_at(hour, minute or 0), with_pdf=i == 2))
    review.sync_status(store, ids[4], doctor)
    # Amelia: half decided, with a changed decision in the history.
    record = store.intake(ids[2])
    stop = next(f for f in record.flags if f.severity == "stop")
    review.decide(store, ids[2], stop.id, "postpone",
                  "Wait for the haematologist's letter", doctor,
                  new_date=date.today() + timedelta(days=14))
    review.decide(store, ids[2], stop.id, "proceed",
                  "Haematologist's letter received: clotting normal, cleared to treat", doctor)
    review_flag = next(f for f in record.flags if f.severity == "review")
    review.decide(store, ids[2], review_flag.id, "proceed",
                  "Discussed goals today; suitable", doctor)
    # Hiroshi: cleared and countersigned.
    review.sync_status(store, ids[6], doctor)
    countersign_now(store, ids[6], doctor)
    return doctor, ids


def main(out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from mesocheck.store.store import Store
    from mesocheck.timeutil import clinic_zone
    from mesocheck.ui.review.panel import ReviewPanel
    from mesocheck.ui.tasks import Database, shut_down
    from mesocheck.ui.widgets import style

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    try:
        style.apply(app)
    except KeyError:  # a placeholder the app's sheet does not fill yet: fill what it can
        from string import Template

        style.install_fonts()
        app.setStyleSheet(Template(style.resource("styles", "app.qss").read_text())
                          .safe_substitute({k: str(v) for k, v in style.THEME.items()},
                                           icons=style.resource("icons").as_posix()))
        font = app.font()
        font.setFamily(str(style.THEME["font_family"]))
        font.setPointSizeF(float(style.THEME["body_pt"]))
        app.setFont(font)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shots.sqlite3"
        with Store.open(path, plain=True) as store:  # throw-away, made-up patients
            doctor, ids = build(store)
        db = Database.open(path)

        def settle() -> None:  # every read the panel asked of the database is back
            while db.pending:
                app.processEvents()
            app.processEvents()

        for width, height in SIZES:
            panel = ReviewPanel(db, doctor, clinic_zone())
            panel.resize(width, height)
            panel.show()
            settle()
            panel.grab().save(str(out / f"review-queue-{width}x{height}.png"))
            panel.open_intake(ids[2])
            settle()
            panel.grab().save(str(out / f"review-detail-{width}x{height}.png"))
            panel.detail.scroll.verticalScrollBar().setValue(
                panel.detail.flag_cards[-1].y())
            app.processEvents()
            panel.grab().save(str(out / f"review-detail-lower-{width}x{height}.png"))
            panel.open_intake(ids[1])
            settle()
            panel.grab().save(str(out / f"review-detail-rtl-{width}x{height}.png"))
            dialog = panel.ask_decision(
                next(f for f in panel.detail.record.flags if f.severity == "stop"), "proceed")
            app.processEvents()
            dialog.grab().save(str(out / f"review-override-{width}x{height}.png"))
            dialog.close()
            panel.open_intake(ids[6])
            settle()
            panel.detail.scroll.verticalScrollBar().setValue(
                panel.detail.scroll.verticalScrollBar().maximum())
            app.processEvents()
            panel.grab().save(str(out / f"review-detail-signed-{width}x{height}.png"))
            panel.close()
            panel.deleteLater()
            app.processEvents()
        shut_down(db)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screenshots"))
