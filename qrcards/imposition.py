"""Where cards sit on a press sheet, and where the crop marks go (mm, from the top left)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .layout import FORMATS, Format

MARK_LENGTH = 5.0
MARK_MARGIN = 1.5  # keep marks this far from the paper edge


@dataclass(frozen=True)
class Slot:
    """One card position: the trim box's top left corner and the box the card may paint."""

    x: float
    y: float
    clip: tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Sheet:
    """A grid of cards centred on a page.

    Between columns the gap holds both cards' bleed. With gap_y = 0 the rows
    are butted: they share one cut and each card paints only up to its trim
    edge there, so the design must be continuous across that edge.
    """

    width: float
    height: float
    columns: int
    rows: int
    card: Format
    gap_x: float
    gap_y: float

    @property
    def per_sheet(self) -> int:
        """Return how many cards fit on one sheet."""
        return self.columns * self.rows

    @cached_property
    def _origin(self) -> tuple[float, float]:
        block_w = self.columns * self.card.width + (self.columns - 1) * self.gap_x
        block_h = self.rows * self.card.height + (self.rows - 1) * self.gap_y
        return ((self.width - block_w) / 2, (self.height - block_h) / 2)

    def _edges(self) -> tuple[list[float], list[float]]:
        x0, y0 = self._origin
        xs = [x0 + c * (self.card.width + self.gap_x) for c in range(self.columns)]
        ys = [y0 + r * (self.card.height + self.gap_y) for r in range(self.rows)]
        return xs, ys

    @cached_property
    def slots(self) -> tuple[Slot, ...]:
        """Return the card positions, row by row."""
        b = self.card.bleed
        inner_x = min(b, self.gap_x / 2)
        inner_y = min(b, self.gap_y / 2)
        xs, ys = self._edges()
        slots = []
        for r, y in enumerate(ys):
            for c, x in enumerate(xs):
                clip = (
                    x - (b if c == 0 else inner_x),
                    y - (b if r == 0 else inner_y),
                    x + self.card.width + (b if c == self.columns - 1 else inner_x),
                    y + self.card.height + (b if r == self.rows - 1 else inner_y),
                )
                slots.append(Slot(x, y, clip))
        return tuple(slots)

    @cached_property
    def crop_marks(self) -> tuple[tuple[float, float, float, float], ...]:
        """Return the crop marks as (x1, y1, x2, y2) lines outside the bleed."""
        b = self.card.bleed
        xs, ys = self._edges()
        cuts_x = sorted({x for x in xs} | {x + self.card.width for x in xs})
        cuts_y = sorted({y for y in ys} | {y + self.card.height for y in ys})
        left, top = cuts_x[0] - b, cuts_y[0] - b
        right, bottom = cuts_x[-1] + b, cuts_y[-1] + b
        length_y = min(MARK_LENGTH, top - MARK_MARGIN, self.height - bottom - MARK_MARGIN)
        length_x = min(MARK_LENGTH, left - MARK_MARGIN, self.width - right - MARK_MARGIN)
        marks = []
        for x in cuts_x:
            marks.append((x, top - length_y, x, top))
            marks.append((x, bottom, x, bottom + length_y))
        for y in cuts_y:
            marks.append((left - length_x, y, left, y))
            marks.append((right, y, right + length_x, y))
        return tuple(marks)

    def label_position(self) -> tuple[float, float]:
        """Return where the sheet label's baseline starts: in the bottom margin, between the first two marks."""
        xs, ys = self._edges()
        return (xs[0] + 4.0, self.height - 4.5)


SHEETS: dict[str, Sheet] = {
    # 10 business cards on A4: 2 columns with a 6 mm bleed gutter, 5 butted rows.
    "card": Sheet(210.0, 297.0, 2, 5, FORMATS["card"], gap_x=6.0, gap_y=0.0),
    # 2 desk signs on landscape A4, each with its full bleed.
    "a6": Sheet(297.0, 210.0, 2, 1, FORMATS["a6"], gap_x=6.0, gap_y=6.0),
}
