"""Reading a PDF back as text, as a reader (or a court) would: page by page, or all of it."""

from __future__ import annotations

import re
from io import BytesIO

from pypdf import PdfReader

LONG_NAME = "Zoë Ångström-Łukasiewicz"


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text with every run of white space (line breaks from wrapping included) as one space."""
    return re.sub(r"\s+", " ", text).strip()


def all_text(pdf: bytes) -> str:
    return flat(" ".join(page_texts(pdf)))


def pdf_text(data: bytes) -> str:
    """Every page's text, a line break between pages (wrapping kept)."""
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
