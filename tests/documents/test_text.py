"""Text on its way into the PDF: escaped, drawable, shaped and ordered."""

from reportlab.platypus import Paragraph

from mesocheck.documents import styles as st
from mesocheck.documents.fonts import CJK, EMOJI, REGULAR
from mesocheck.documents.text import (
    MISSING, BidiParagraph, break_lines, display_line, escape, isolated, para, runs, shape,
    visible,
)


def test_drawable_text_is_unchanged():
    text = "Zoë Ångström – Ελληνικά, Русский, עברית, العربية, µg, ☐ ✓"
    assert visible(text) == text


def test_missing_characters_become_one_visible_marker_each():
    assert visible("ꦄꦏ Hanako") == f"{MISSING}{MISSING} Hanako"  # Javanese: in no font
    # missing characters joined by a zero-width joiner, or with a variation selector: one each
    assert visible("ok 𒀀\u200d𒀁 and 𓂀\ufe0f done") == f"ok {MISSING} and {MISSING} done"


def test_chinese_is_drawn_from_the_cjk_font_in_runs_of_its_own():
    assert visible("山田 Hanako，您好。") == "山田 Hanako，您好。"
    assert runs("王 Li 小明。", REGULAR) == [("王", CJK), (" Li ", REGULAR), ("小明。", CJK)]


def test_emoji_are_drawn_from_the_emoji_font_in_runs_of_their_own():
    # A monochrome font cannot apply a skin tone or join a family: each emoji is drawn.
    assert visible("ok 👍🏽 and 👨‍👩‍👧 ✅ ❤️ done") == "ok 👍 and 👨👩👧 ✅ ❤ done"
    assert runs("Zoë 👍 ❤", REGULAR) == [("Zoë ", REGULAR), ("👍", EMOJI), (" ❤", REGULAR)]
    p = para("Zoë 👍", st.styles().body)
    assert [(f.text, f.fontName) for f in p.frags] == [("Zoë ", REGULAR), ("👍", EMOJI)]


def test_formatting_characters_are_never_drawn():
    # DejaVu has glyphs for some of them (a boxed "RLO"); none may reach the page.
    text = "a\u202eb\u200dc\ufe0fd\u00ade"
    assert visible(text) == "abcde"
    assert display_line("x \u2068abc\u2069 y") == "x abc y"


def test_isolated_text_keeps_the_words_around_it_in_their_order():
    line = "For \u2068Zoë محمد\u2069, treated on 2026-04-12"
    shown = display_line(line)
    assert shown.startswith("For Zoë ") and shown.endswith(", treated on 2026-04-12")
    # A paragraph broken inside an isolate: each line closes it and the next reopens it.
    assert isolated(["a \u2068b", "c\u2069 d"]) == ["a \u2068b\u2069", "\u2068c\u2069 d"]


def test_controls_go_and_tabs_become_spaces():
    assert visible("a\tb\x00c\r\nd") == "a bc\nd"


def test_escape_keeps_markup_as_text():
    assert escape("<b>x</b> & y\nz") == "&lt;b&gt;x&lt;/b&gt; &amp; y<br/>z"


def test_user_text_never_becomes_markup():
    p = para('<font size="40">big</font> & <br/>', st.styles().body)
    assert p.getPlainText() == '<font size="40">big</font> & <br/>'
    assert {f.fontSize for f in p.frags} == {st.BODY_SIZE}


def test_arabic_is_joined_and_keeps_its_vowel_marks():
    shaped = shape("مُحَمَّد")
    assert "\u064f" in shaped and "\u064e" in shaped  # harakat kept, not silently dropped
    assert all(not ("\u0621" <= ch <= "\u064a") for ch in shaped)  # letters in joined forms
    assert shape("لا") == "\ufefb"  # lam-alef ligature, which the font has
    assert shape("الله") != "\ufdf2"  # the Allah ligature, which it lacks, is not used


def test_a_vowel_mark_is_drawn_just_before_its_letter():
    """DejaVu's marks have no width and draw to the right of the pen, where their letter
    begins in visual order: a mark drawn after its letter floated beside the word."""
    line = display_line("أُرسل")
    assert line.index("\u064f") == line.index("\ufe83") - 1  # damma, then its alef


def test_hebrew_line_is_drawn_in_visual_order():
    assert display_line("שלום") == "םולש"
    assert display_line("Dr דוד כהן", base="L") == "Dr ןהכ דוד"


def test_right_to_left_paragraph_breaks_lines_in_logical_order():
    words = "אחת שתיים שלוש ארבע חמש שש שבע שמונה תשע עשר"
    p = para(words, st.styles().body)
    assert isinstance(p, BidiParagraph)
    inner = p._inner(70)  # the paragraph as it will be laid out, before reportlab wraps it
    lines = [f.text for f in inner.frags if not getattr(f, "lineBreak", False)]
    assert len(lines) > 2
    # Read right to left, the first line starts with the first word, the last line ends
    # with the last: reordering was done per line, after breaking.
    assert lines[0][::-1].startswith("אחת")
    assert lines[-1][::-1].endswith("עשר")
    assert inner.style.alignment == 2  # right-aligned


def test_break_lines_cuts_words_longer_than_a_line():
    lines = break_lines("x" * 200, "DejaVuSans", 10, 100)
    assert len(lines) > 2 and "".join(lines) == "x" * 200


def test_plain_paragraph_is_a_reportlab_paragraph_with_line_breaks():
    p = para("one\ntwo", st.styles().body)
    assert isinstance(p, Paragraph)
    _w, h = p.wrap(400, 1000)
    assert h == 2 * st.styles().body.leading


def test_brackets_in_right_to_left_text_are_mirrored():
    # Visual order, left to right: the bracket that closes the Arabic run is drawn as "(".
    assert display_line("1988-04-23 (العمر 37)") == "(37 " + shape("العمر")[::-1] + ") 1988-04-23"
    # In left-to-right text, and around Latin text isolated inside Arabic, they stay as typed.
    assert display_line("Scalp (hair loss)") == "Scalp (hair loss)"
    assert "Metformin (500 mg)" in display_line("خذ \u2068Metformin (500 mg)\u2069 يوميا")
