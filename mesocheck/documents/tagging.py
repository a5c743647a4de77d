"""A tagged PDF: what a screen reader needs to read the consent document in order.

reportlab writes no structure of its own, so it is made in two steps:

1. While the pages are drawn, every paragraph and signature is wrapped in a marked-content
   sequence carrying its role and what a reader needs of it: ``/P <</MCID 3>> BDC … EMC``,
   headings as ``/H1`` to ``/H3``, a signature as ``/Figure`` with its ``/Alt`` text, and
   right-to-left text (drawn shaped and in visual order) with its original words as
   ``/ActualText``, so that it reads and searches as typed. Running headers and footers,
   panels and rules are ``/Artifact``: not content.
2. When the document is made archival (:mod:`~mesocheck.documents.pdfa`, pikepdf), the
   structure tree is built from those sequences, in the order they were drawn: one
   structure element per sequence under a ``Document``, the parent tree that maps each
   back, ``/MarkInfo`` and each page's ``/StructParents``.

The order of drawing is the reading order: the story flows top to bottom, and a row's cells
are drawn left to right.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

ROLES = ("H1", "H2", "H3", "P", "Figure", "Span")
# Paragraph styles that are headings, by name (``styles.Styles``); others are paragraphs.
HEADINGS = {"title": "H1", "h1": "H2", "h2": "H3", "h2-cell": "H3",
            "disclosure-title": "H3"}


def role_of(style: Any) -> str:
    return HEADINGS.get(getattr(style, "name", ""), "P")


def _text_string(text: str) -> str:
    """A PDF text string in UTF-16 with its byte-order mark, as hex (any script, no
    escaping to get wrong)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _next_mcid(canv: Any) -> int:
    mcid = getattr(canv, "_mcid", 0)
    canv._mcid = mcid + 1
    return mcid


@contextmanager
def tagged(canv: Any, role: str, *, alt: str | None = None,
           actual: str | None = None) -> Iterator[None]:
    """What is drawn inside is one structure element of ``role``."""
    if getattr(canv, "_tag_depth", 0):  # inside another element or an artifact: part of it
        yield
        return
    props = f"/MCID {_next_mcid(canv)}"
    if alt is not None:
        props += f" /Alt {_text_string(alt)}"
    if actual is not None:
        props += f" /ActualText {_text_string(actual)}"
    canv.addLiteral(f"/{role} <<{props}>> BDC")
    if actual is not None:  # text extractors (poppler's) read a replacement from a Span
        canv.addLiteral(f"/Span <</ActualText {_text_string(actual)}>> BDC")
    canv._tag_depth = 1
    try:
        yield
    finally:
        canv._tag_depth = 0
        canv.addLiteral("EMC EMC" if actual is not None else "EMC")


@contextmanager
def artifact(canv: Any) -> Iterator[None]:
    """What is drawn inside is not content: page furniture, panels, rules."""
    if getattr(canv, "_tag_depth", 0):
        yield
        return
    canv.addLiteral("/Artifact BMC")
    canv._tag_depth = 1
    try:
        yield
    finally:
        canv._tag_depth = 0
        canv.addLiteral("EMC")


def new_page(canv: Any) -> None:
    """Marked-content ids count from 0 on every page."""
    canv._mcid = 0


def add_structure(pdf: Any) -> int:
    """Build the structure tree of ``pdf`` (an open ``pikepdf.Pdf`` drawn with the marks
    above) from its pages' marked content; returns the number of elements."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root))
    kids = Array()
    parents = Array()
    for index, page in enumerate(pdf.pages):
        by_mcid: dict[int, Any] = {}
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) != "BDC" or len(operands) != 2:
                continue
            role, props = str(operands[0])[1:], operands[1]
            if role not in ROLES or not isinstance(props, Dictionary) or "/MCID" not in props:
                continue
            mcid = int(props.MCID)
            element = Dictionary(Type=Name.StructElem, S=Name("/" + role), P=document,
                                 Pg=page.obj, K=mcid)
            for key in ("/Alt", "/ActualText"):
                if key in props:
                    element[key] = props[key]
            element = pdf.make_indirect(element)
            kids.append(element)
            by_mcid[mcid] = element
        page.obj.StructParents = index
        parents.append(index)
        parents.append(pdf.make_indirect(Array(
            [by_mcid.get(i) for i in range(max(by_mcid, default=-1) + 1)])))
    document.K = kids
    root.K = Array([document])
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=parents))
    root.ParentTreeNextKey = len(pdf.pages)
    pdf.Root.StructTreeRoot = root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    viewer = pdf.Root.get("/ViewerPreferences", Dictionary())
    viewer.DisplayDocTitle = True  # a reader announces the title, not the file name
    pdf.Root.ViewerPreferences = viewer
    return len(kids)
