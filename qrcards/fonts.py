"""The one font of the cards: WenQuanYi Zen Hei, for Chinese and Latin alike.

It ships as TrueType outlines (Debian package fonts-wqy-zenhei), which
reportlab can subset and embed; see docs/cards.md for why not Noto CJK.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "WenQuanYiZenHei"
FONT_ENV = "QRCARDS_FONT"
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)
SUBFONT_INDEX = 0  # the .ttc also holds "Sharp" and "Mono"; 0 is the proportional face

# Vertical metrics of the face, in em: CJK glyphs reach this far above and
# below the baseline.
ASCENT = 0.84
DESCENT = 0.12


class FontMissingError(RuntimeError):
    """The card font is not installed."""


@lru_cache(maxsize=None)
def font_path() -> str:
    """Return the path of the card font, from $QRCARDS_FONT or the Debian package."""
    candidates = [os.environ[FONT_ENV]] if os.environ.get(FONT_ENV) else list(FONT_PATHS)
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    raise FontMissingError(
        f"card font not found in {', '.join(candidates)}; "
        "install the Debian package fonts-wqy-zenhei or set QRCARDS_FONT"
    )


@lru_cache(maxsize=None)
def pdf_font() -> str:
    """Register the card font with reportlab once per process and return its name."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, font_path(), subfontIndex=SUBFONT_INDEX))
    return FONT_NAME


@lru_cache(maxsize=4096)
def char_width(char: str) -> float:
    """Return the advance width of one character, in em."""
    return pdfmetrics.stringWidth(char, pdf_font(), 1.0)


def text_width(text: str, size: float) -> float:
    """Return the width of text set at size, in the unit of size."""
    return size * sum(map(char_width, text))


@lru_cache(maxsize=256)
def pil_font(size_px: float) -> ImageFont.FreeTypeFont:
    """Load the card font for Pillow at a pixel size."""
    return ImageFont.truetype(
        font_path(), size_px, index=SUBFONT_INDEX, layout_engine=ImageFont.Layout.BASIC
    )
