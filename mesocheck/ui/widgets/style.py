"""The look: one theme of sizes and colours, filled into ``resources/styles/app.qss``.

Widgets never set their own fonts or colours; they carry a ``role`` property (and sometimes
``state``) that the style sheet matches, napari-style.
"""

from __future__ import annotations

from string import Template

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from mesocheck.paths import resource

THEME: dict[str, object] = {
    "font_family": "DejaVu Sans",
    "small_pt": 14,  # tags and counters only; body text never goes below body_pt
    "body_pt": 16,
    "question_pt": 19,
    "heading_pt": 24,
    "title_pt": 28,
    "touch": 56,  # smallest touch target (px); the guidance is 48
    "touch_big": 72,
    "field": 52,
    "radius": 10,
    "bg": "#f3f6f7",
    "surface": "#ffffff",
    "text": "#14232e",
    "muted": "#3f4f5a",
    "hairline": "#c9d3d8",
    "hairline_strong": "#8fa0aa",
    "border": "#5f717c",
    "primary": "#0a6570",
    "primary_dark": "#074a52",
    "on_primary": "#ffffff",
    "info_dark": "#1f4e8c",
    "neutral_dark": "#4a4f57",
    "link": "#0b5394",
    "focus": "#1a3d8f",
    "focus_on_primary": "#ffcc33",
    "hover_bg": "#eef4f5",
    "selected_bg": "#dcefef",
    "track": "#dde5e8",
    "scroll_handle": "#7d8f99",
    "error": "#a3001c",
    "error_bg": "#fdeef0",
    "notice_bg": "#fff6dc",
    "notice_border": "#b98900",
    "disabled_bg": "#eceff1",
    "disabled_text": "#55626b",
    "disabled_border": "#8a979f",
    "overlay": "rgba(20, 35, 46, 170)",
    "ink": "#0b1f33",  # the signature
}

# Text colour on background pairs that must reach WCAG AA (4.5:1); checked by the tests.
CONTRAST_PAIRS = (
    ("text", "bg"), ("text", "surface"), ("muted", "surface"), ("muted", "bg"),
    ("on_primary", "primary"), ("on_primary", "primary_dark"), ("error", "surface"),
    ("error", "error_bg"), ("link", "surface"), ("link", "bg"), ("text", "selected_bg"),
    ("disabled_text", "disabled_bg"), ("surface", "info_dark"), ("surface", "neutral_dark"),
    ("text", "notice_bg"), ("muted", "hover_bg"), ("ink", "surface"),
)


def style_sheet(theme: dict[str, object] | None = None) -> str:
    values = {**THEME, **(theme or {})}
    values["icons"] = resource("icons").as_posix()
    template = Template(resource("styles", "app.qss").read_text(encoding="utf-8"))
    return template.substitute({k: str(v) for k, v in values.items()})


def install_fonts() -> None:
    """The shipped fonts (DejaVu Sans; Noto Emoji and Droid Sans Fallback, which Qt falls
    back to for emoji and Chinese), so the tablet looks the same whatever the system has."""
    for path in sorted(resource("fonts").glob("*.ttf")):
        QFontDatabase.addApplicationFont(str(path))


def apply(app: QApplication, theme: dict[str, object] | None = None) -> None:
    install_fonts()
    values = {**THEME, **(theme or {})}
    font = QFont(str(values["font_family"]))
    font.setPointSizeF(float(values["body_pt"]))  # type: ignore[arg-type]
    app.setFont(font)
    app.setStyleSheet(style_sheet(theme))


def set_role(widget: QWidget, role: str, **properties: object) -> QWidget:
    widget.setProperty("role", role)
    for key, value in properties.items():
        widget.setProperty(key, value)
    return widget


def set_state(widget: QWidget, state: str | None) -> None:
    """Switch a style state (e.g. "error") and make the style sheet notice; ``mirrored``
    tells it the widget is laid out right to left (style sheets do not mirror a bar drawn
    on one side)."""
    if widget.property("state") == state:
        return
    widget.setProperty("state", state)
    widget.setProperty("mirrored", widget.isRightToLeft())
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def relative_luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    a, b = relative_luminance(foreground), relative_luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)
