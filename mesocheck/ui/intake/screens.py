"""Screens the patient sees around the wizard: welcome, "is this you?", and thank you.

None of them shows an answer; the thank-you screen shows nothing about the patient at all.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from mesocheck.forms import Form
from mesocheck.i18n import N_, _, native_name, ngettext, translations
from mesocheck.ui.widgets.labels import label
from mesocheck.ui.widgets.responsive import FlowLayout
from mesocheck.ui.widgets.screen import Screen
from mesocheck.ui.widgets.style import set_role


STAFF_SIGN_IN = N_("For the clinic's staff: choose your name and type your PIN")
KEYBOARD_HINT = N_("Using a keyboard? Tab moves to the next choice, Space chooses, Enter (or "
                   "Alt+Right) goes to the next page and Alt+Left goes back.")
PREPARING = N_("Preparing your document…")



class WelcomeScreen(Screen):
    """The patient's first screen, in ``language``; with more than one language
    ``offered``, a choice of them at the top, each named in its own words."""

    start_requested = Signal()
    staff_requested = Signal()
    language_chosen = Signal(str)

    def __init__(self, clinic_name: str, form: Form, language: str | None = None,
                 offered: tuple[str, ...] = ()):
        super().__init__()
        lang = self.language = language or form.languages[0]
        _p = translations(lang).gettext
        self.clinic = label(clinic_name, "clinic")
        self.clinic.setVisible(bool(clinic_name))
        self.language_buttons: dict[str, QPushButton] = {}
        if len(offered) > 1:
            row = FlowLayout(spacing=12)
            for code in offered:
                button = set_role(QPushButton(native_name(code)), "language")
                button.setCheckable(True)
                button.setChecked(code == lang)
                # Named in its own language, so whoever reads it finds it.
                button.setAccessibleName(native_name(code))
                button.setAccessibleDescription(
                    translations(code).gettext("Shows the form in this language"))
                button.clicked.connect(lambda _c=False, code=code: self._choose(code))
                self.language_buttons[code] = button
                row.addWidget(button)
            self.layout_.addLayout(row)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.clinic)
        self.layout_.addWidget(label(_p("Welcome"), "title"))
        self.layout_.addWidget(label(form.title.get(lang), "subheading"))
        self.layout_.addWidget(label(_p(
            "Before your treatment, please answer some questions about your health and read "
            "about the risks. It takes about 10 to 15 minutes. Your answers are saved as you "
            "go."), "lead"))
        self.start_button = set_role(QPushButton(_p("Start my form")), "primary")
        self.start_button.setProperty("role", "primary")
        self.start_button.setProperty("emphasis", "big")
        self.start_button.setAccessibleDescription(_p(
            "Answer the questions about your health, read about the risks, then sign"))
        self.start_button.clicked.connect(self.start_requested)
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(label(_p(KEYBOARD_HINT), "help"))
        self.layout_.addStretch(2)
        self.waiting = label("", "notice")
        self.waiting.hide()
        self.layout_.addWidget(self.waiting)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.staff_button = set_role(QPushButton(_("Staff sign-in")), "link")
        self.staff_button.setAccessibleDescription(_(STAFF_SIGN_IN))
        self.staff_button.clicked.connect(self.staff_requested)
        bottom.addWidget(self.staff_button)
        self.layout_.addLayout(bottom)

    def _choose(self, code: str) -> None:
        self.language_buttons[code].setChecked(code == self.language)  # until it is rebuilt
        if code != self.language:
            self.language_chosen.emit(code)

    def set_clinic_name(self, name: str) -> None:
        self.clinic.setText(name)
        self.clinic.setVisible(bool(name))

    def focus_first(self) -> None:
        self.start_button.setFocus()

    def set_unfinished(self, count: int) -> None:
        """A note for staff, with no patient data: forms waiting to be continued."""
        if count:
            self.waiting.setText(ngettext(
                "1 form is waiting to be continued. Staff: please sign in.",
                "{n} forms are waiting to be continued. Staff: please sign in.",
                count).format(n=count))
        self.waiting.setVisible(bool(count))


class ReadyScreen(Screen):
    """After staff start or resume an intake: the patient checks it is theirs."""

    begin = Signal()
    not_me = Signal()

    def __init__(self, patient_name: str, resuming: bool, language: str = "en"):
        super().__init__()
        _p = translations(language).gettext
        self.layout_.addStretch(1)
        self.layout_.addWidget(label(_p("Hello"), "title"))
        self.layout_.addWidget(label(_p("This form is for:"), "lead"))
        self.name = label(patient_name, "heading")
        self.layout_.addWidget(self.name)
        self.layout_.addWidget(label(
            _p("If this is not you, please hand the tablet back to the staff."), "lead"))
        if resuming:
            self.layout_.addWidget(label(
                _p("Your earlier answers are kept: you will carry on where you stopped."),
                "lead"))
        row = QHBoxLayout()
        row.setSpacing(16)
        self.begin_button = set_role(
            QPushButton(_p("Begin") if not resuming else _p("Carry on")), "primary")
        self.begin_button.setProperty("emphasis", "big")
        self.begin_button.setAccessibleDescription(_p("Starts the questions of your form"))
        self.begin_button.clicked.connect(self.begin)
        row.addWidget(self.begin_button)
        self.not_me_button = QPushButton(_p("This is not me"))
        self.not_me_button.setAccessibleDescription(_p("Hands the tablet back to the staff"))
        self.not_me_button.clicked.connect(self.not_me)
        row.addWidget(self.not_me_button)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(label(_p(KEYBOARD_HINT), "help"))
        self.layout_.addStretch(2)

    def focus_first(self) -> None:
        self.begin_button.setFocus()


class ThankYouScreen(Screen):
    """"Thank you": the aftercare, and the patient's choice of a printed copy of what they
    signed (``copy_chosen(True)`` for one, ``False`` for none), which they may change."""

    staff_requested = Signal()
    copy_chosen = Signal(bool)

    def __init__(self, form: Form, language: str | None = None):
        super().__init__()
        lang = language or form.languages[0]
        _p = translations(lang).gettext
        self.layout_.addWidget(label(_p("Thank you"), "title"))
        self.layout_.addWidget(label(_p(
            "Your form has been signed and sent. Please hand the tablet back to the staff."),
            "lead"))
        # Words only, no moving bar: an animation would repaint many times a second while
        # the PDF is made, each repaint waiting on the PDF's thread for Python's lock.
        self.document_row = set_role(QLabel(_p(PREPARING)), "status")
        self.document_row.hide()
        self.layout_.addWidget(self.document_row)

        self._p = _p
        copy_card = set_role(QFrame(), "card")
        copy_layout = QVBoxLayout(copy_card)
        copy_layout.setContentsMargins(28, 20, 28, 24)
        copy_layout.setSpacing(12)
        copy_layout.addWidget(label(_p("Would you like a printed copy of the form you signed?"),
                                    "subheading"))
        choices = FlowLayout(spacing=16)
        self.copy_yes = set_role(QPushButton(_p("Yes, print a copy for me")), "big")
        self.copy_yes.setAccessibleDescription(_p("The staff will print it for you"))
        self.copy_no = set_role(QPushButton(_p("No, thank you")), "big")
        self.copy_no.setAccessibleDescription(_p("No copy is printed; you can ask for one "
                                                 "at any time"))
        for button, wanted in ((self.copy_yes, True), (self.copy_no, False)):
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, wanted=wanted: self._choose_copy(wanted))
            choices.addWidget(button)
        copy_layout.addLayout(choices)
        self.copy_answer = label("", "lead")
        self.copy_answer.hide()
        copy_layout.addWidget(self.copy_answer)
        self.layout_.addWidget(copy_card)

        aftercare = form.aftercare
        card = set_role(QFrame(), "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 20, 28, 24)
        card_layout.setSpacing(12)
        card_layout.addWidget(label(aftercare.title.get(lang), "subheading"))
        if aftercare.intro:
            card_layout.addWidget(label(aftercare.intro.get(lang), "body"))
        for item in aftercare.items:
            row = QHBoxLayout()
            row.setSpacing(12)
            row.addWidget(label("•", "subheading"), 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label(item.get(lang), "body"), 1)
            card_layout.addLayout(row)
        self.layout_.addWidget(card)
        self.layout_.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.staff_button = set_role(QPushButton(_("Staff sign-in")), "link")
        self.staff_button.setAccessibleDescription(_(STAFF_SIGN_IN))
        self.staff_button.clicked.connect(self.staff_requested)
        bottom.addWidget(self.staff_button)
        self.layout_.addLayout(bottom)
        self.language = lang

    def focus_first(self) -> None:
        self.copy_yes.setFocus()

    def ask_copy(self) -> None:
        """A new patient's thank-you: the copy not chosen yet."""
        for button in (self.copy_yes, self.copy_no):
            button.setChecked(False)
        self.copy_answer.hide()

    def _choose_copy(self, wanted: bool) -> None:
        self.copy_yes.setChecked(wanted)
        self.copy_no.setChecked(not wanted)
        self.copy_chosen.emit(wanted)

    def copy_recorded(self, wanted: bool) -> None:
        """The choice is stored: say what happens next."""
        self.copy_answer.setText(
            self._p("Thank you. Please ask the staff for your printed copy.") if wanted
            else self._p("No copy will be printed. You can ask the staff for one at any time."))
        self.copy_answer.show()

    def copy_not_recorded(self) -> None:
        self.ask_copy()
        self.copy_answer.setText(self._p("Your choice could not be saved. Please tell the "
                                         "staff whether you would like a copy."))
        self.copy_answer.show()

    def document_busy(self, busy: bool, text: str | None = None) -> None:
        """Say that the consent document is being made (``busy``), or show ``text`` about
        it once done (nothing when it is empty)."""
        if text is None:
            text = translations(self.language).gettext(PREPARING)
        self.document_row.setText(text)

        self.document_row.setVisible(bool(text))
