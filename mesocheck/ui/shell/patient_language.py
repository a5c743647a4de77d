"""The patient's language on the patient's screens, while that patient is at the tablet.

The app's own words come from the catalogue (:mod:`mesocheck.i18n`), chosen per screen; what
this adds is what only the window can do: the screens laid out right to left for a language
written that way (Back, Next, progress, choices and date fields mirrored), and Qt's own words
(a text field's menu, standard buttons) from the ``qtbase_XX.qm`` files PySide6 ships. The
staff's screens keep the clinic's language: the translator is removed as soon as the tablet
is back at the welcome screen in the form's own language.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QWidget

from mesocheck.i18n import right_to_left

log = logging.getLogger(__name__)


class PatientLanguage:
    """The language of the patient now at the tablet (the form's own until one is chosen)."""

    def __init__(self, default: str):
        self.default = default
        self.current = default
        self._translator: QTranslator | None = None

    def choose(self, language: str | None) -> bool:
        """Take ``language`` (None: the default); True when it changed."""
        language = language or self.default
        if language == self.current:
            return False
        self.current = language
        self._install_qt_words(language)
        return True

    @property
    def direction(self) -> Qt.LayoutDirection:
        return (Qt.LayoutDirection.RightToLeft if right_to_left(self.current)
                else Qt.LayoutDirection.LeftToRight)

    def lay_out(self, screen: QWidget) -> None:
        """Give a patient's screen the direction of the patient's language."""
        screen.setLayoutDirection(self.direction)

    def _install_qt_words(self, language: str) -> None:
        app = QCoreApplication.instance()
        if app is None:
            return
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator = None
        if language == self.default:
            return
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        # QLocale finds the file a language is shipped under (zh: qtbase_zh_CN.qm).
        if translator.load(QLocale(language), "qtbase", "_", folder):
            app.installTranslator(translator)
            self._translator = translator
        else:
            log.info("Qt's own words are not shipped for language %s", language)
