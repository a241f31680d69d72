"""Text that leaves the app inside a document (PDF, .xlsx) goes through here.

ReportLab's Paragraph parses its text as markup: `<img src=…>` opens a file or fetches a URL,
and a stray `<` aborts the build. `paragraph` escapes every text, so what a submitter, an
administrator or a department typed is printed literally. Canvas strings (qrcards) are never
parsed, so the cards need no escaping.
"""
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph


def paragraph(text, style) -> Paragraph:
    """A Paragraph showing `text` literally (no markup from the text is obeyed)."""
    return Paragraph(escape("" if text is None else str(text)), style)
