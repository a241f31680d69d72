"""Printable QR cards for 码上办: card data in, PDF or PNG bytes out.

A pure library: no Flask, no database. See docs/cards.md.
"""

from .card import CardData
from .fonts import FontMissingError
from .layout import FittedText, LayoutName, fit_text
from .pdf import Progress, render_pdf
from .png import render_png
from .qr import qr_rows

__all__ = [
    "CardData",
    "FittedText",
    "FontMissingError",
    "LayoutName",
    "Progress",
    "fit_text",
    "qr_rows",
    "render_pdf",
    "render_png",
]
