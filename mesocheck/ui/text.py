"""How paragraphs of form text are shown on screen."""

from __future__ import annotations


def paragraphs(text: str) -> list[str]:
    """Form text split at blank lines; single line breaks inside a paragraph are spaces."""
    blocks = [" ".join(block.split()) for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]
