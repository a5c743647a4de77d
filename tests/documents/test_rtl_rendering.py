"""Arabic and Hebrew as a reader sees them: letters joined, words right to left.

The PDF page is rendered to an image (poppler's pdftoppm) and the patient's name, cut out
of it, is compared with the same text drawn by Qt, whose text engine (HarfBuzz) shapes and
orders it independently of our code. As a control, the naive rendering (reportlab drawing
the string as typed) must *not* match: that proves the comparison can tell them apart.
"""

import os
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from mesocheck.documents import styles as st
from mesocheck.documents.consent import build_consent_pdf
from mesocheck.documents.fonts import BOLD, register_fonts
from mesocheck.paths import resource
from tests.support.answers import SHORT_ANSWERS
from tests.support.records import SETTINGS, make_record

SCALE = 6  # pixels per point: 432 dpi
NAME_SIZE = 9.5  # the value style of the patient block

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None and os.environ.get("CI") != "true",
    reason="pdftoppm (poppler-utils) is not installed",
)


@needs_poppler
@pytest.mark.parametrize("name", [
    "محمد عبد الله",  # Arabic: joined letters, lam-alef ligature, right to left
    "דוד כהן",  # Hebrew: right to left, final letter forms as typed
    "Sara بنت علي",  # Latin first: the Arabic run keeps its own order inside the line
])
def test_right_to_left_names_are_shaped_and_in_reading_order(qapp, form, tmp_path, name):
    record = make_record(form, SHORT_ANSWERS, name=name)
    pdf = build_consent_pdf(record, form, SETTINGS)
    ours = _ink(_name_on_page(pdf, tmp_path))
    reference = _ink(_qt_text(name, NAME_SIZE))
    naive = _ink(_naive(name, tmp_path))

    assert _aspect_close(ours, reference)
    assert _similarity(ours, reference) > 0.8
    assert _similarity(naive, reference) < 0.6


def _name_on_page(pdf: bytes, tmp_path: Path) -> Image.Image:
    """The patient's name as drawn in the patient block of page 1."""
    page = PdfReader(BytesIO(pdf)).pages[0]
    chunks = []

    def visit(text, cm, tm, font, size):
        if size != NAME_SIZE or not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        chunks.append((x, y, text.strip("\n")))

    page.extract_text(visitor_text=visit)
    half = st.MARGIN_LEFT + st.TEXT_WIDTH / 2
    first_line = max(y for x, y, _t in chunks if x < half)  # the name is the first value
    line = [(x, t) for x, y, t in chunks if abs(y - first_line) < 0.5 and x < half]
    left = min(x for x, _t in line)
    # pypdf reports each run at the line's start, so the runs' widths add up.
    right = left + sum(stringWidth(t, BOLD, NAME_SIZE) for _x, t in line)
    image = _render(pdf, tmp_path)
    height = image.size[1]
    box = (left - 2, first_line - 4, right + 2, first_line + 11)
    return image.crop((int(box[0] * SCALE), int(height - box[3] * SCALE),
                       int(box[2] * SCALE), int(height - box[1] * SCALE)))


def _render(pdf: bytes, tmp_path: Path) -> Image.Image:
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(72 * SCALE), "-gray", "-png", "-f", "1", "-l", "1",
                    str(source), str(tmp_path / "out")], check=True, timeout=60)
    out = next(tmp_path.glob("out*.png"))
    image = Image.open(out).convert("L")
    out.unlink()
    return image


def _naive(text: str, tmp_path: Path) -> Image.Image:
    """What reportlab alone draws: the characters as typed, left to right, unjoined."""
    register_fonts()
    out = BytesIO()
    canvas = Canvas(out)
    canvas.setFont(BOLD, NAME_SIZE)
    canvas.drawString(100, 700, text)
    canvas.save()
    return _render(out.getvalue(), tmp_path)


def _qt_text(text: str, size: float) -> Image.Image:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter

    font_id = QFontDatabase.addApplicationFont(str(resource("fonts", "DejaVuSans-Bold.ttf")))
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    font = QFont(family)
    font.setBold(True)
    font.setPixelSize(round(size * SCALE))
    image = QImage(2400, 200, QImage.Format.Format_Grayscale8)
    image.fill(255)
    painter = QPainter(image)
    painter.setFont(font)
    painter.setPen(QColor(0, 0, 0))
    painter.drawText(QPointF(20, 150), text)
    painter.end()
    ptr = image.constBits()
    return Image.frombuffer("L", (image.width(), image.height()), bytes(ptr), "raw", "L",
                            image.bytesPerLine(), 1)


def _ink(image: Image.Image) -> Image.Image:
    """The inked pixels, cropped to their bounding box."""
    mask = image.point(lambda v: 255 if v < 128 else 0).convert("1")
    box = mask.getbbox()
    assert box is not None, "nothing was drawn"
    return mask.crop(box)


def _aspect_close(a: Image.Image, b: Image.Image) -> bool:
    ra, rb = a.size[0] / a.size[1], b.size[0] / b.size[1]
    return abs(ra - rb) / rb < 0.12


def _similarity(a: Image.Image, b: Image.Image) -> float:
    """Intersection over union of the two ink masks, brought to one size."""
    size = (480, 64)
    a, b = a.resize(size), b.resize(size)
    inter = ImageChops.logical_and(a, b).histogram()[-1]
    union = ImageChops.logical_or(a, b).histogram()[-1]
    return inter / union
