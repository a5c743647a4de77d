"""The review screens' style sheet: ``resources/styles/review.qss`` filled from the app's
theme plus the severity colours, set on the review panel so it cascades to its children
(dialogs included) on top of the application's sheet."""

from __future__ import annotations

from string import Template

from PySide6.QtWidgets import QWidget

from mesocheck.paths import resource
from mesocheck.ui.widgets.style import THEME

# Severity inks pass AA as text on white and as white text on them; tints stay light.
SEVERITY_THEME: dict[str, object] = {
    "stop_ink": "#a3001c",
    "stop_bg": "#fdf1f2",
    "review_ink": "#7a5200",
    "review_bg": "#fff8e6",
    "info_ink": "#1f4e8c",
    "clean_ink": "#1e6b2a",
    "clean_bg": "#eaf6ec",
}
CONTRAST_PAIRS = (
    ("stop_ink", "surface"), ("surface", "stop_ink"), ("review_ink", "surface"),
    ("surface", "review_ink"), ("info_ink", "surface"), ("surface", "info_ink"),
    ("text", "stop_bg"), ("text", "review_bg"), ("text", "clean_bg"), ("muted", "stop_bg"),
    ("muted", "review_bg"),
)


def review_theme() -> dict[str, object]:
    values = {**THEME, **SEVERITY_THEME}
    values["icons"] = resource("icons").as_posix()
    return values


def review_style_sheet() -> str:
    template = Template(resource("styles", "review.qss").read_text(encoding="utf-8"))
    return template.substitute({k: str(v) for k, v in review_theme().items()})


def apply_review_style(widget: QWidget) -> None:
    widget.setStyleSheet(review_style_sheet())
