"""Cards as PNG pictures, for sending by WeChat: the trimmed card, no bleed or marks."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from .card import CardData
from .fonts import pil_font
from .layout import BOLD_STROKE_EM, WHITE, Item, LayoutName, Qr, Rect, Text, card_items, get_format
from .qr import dark_runs, qr_rows

MM_PER_INCH = 25.4
_ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}


def render_png(card: CardData, layout: LayoutName = "card", dpi: int = 300) -> bytes:
    """Render one card at dpi (300 by default: a business card is 1063 x 638 px)."""
    fmt = get_format(layout)
    scale = dpi / MM_PER_INCH
    size = (round(fmt.width * scale), round(fmt.height * scale))
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    for item in card_items(card, layout):
        _draw(draw, item, scale)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


def _draw(draw: ImageDraw.ImageDraw, item: Item, scale: float) -> None:
    if isinstance(item, Rect):
        x0, y0 = round(item.x * scale), round(item.y * scale)
        x1, y1 = round((item.x + item.w) * scale), round((item.y + item.h) * scale)
        draw.rectangle((x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)), fill=item.color)
    elif isinstance(item, Text):
        size = item.size * scale
        draw.text(
            (item.x * scale, item.y * scale),
            item.text,
            font=pil_font(size),
            fill=item.color,
            anchor=_ANCHORS[item.align],
            stroke_width=size * BOLD_STROKE_EM / 2 if item.bold else 0,  # Pillow strokes outward only
            stroke_fill=item.color,
        )
    elif isinstance(item, Qr):
        rows = qr_rows(item.data)
        # Whole pixels per module keep the modules crisp and equal.
        module = max(1, round(item.size * scale / len(rows)))
        offset = (item.size * scale - module * len(rows)) / 2
        left = round(item.x * scale + offset)
        top = round(item.y * scale + offset)
        for y, start, end in dark_runs(rows):
            draw.rectangle(
                (left + start * module, top + y * module, left + end * module - 1, top + (y + 1) * module - 1),
                fill="#000000",
            )
