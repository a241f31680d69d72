"""The card designs, as backend-neutral drawing items in millimetres.

Coordinates start at the top left corner of the trimmed card and grow right
and down. Backgrounds that must bleed reach `bleed` millimetres past the trim
edge; everything else stays at least 3 mm inside it. The PDF and PNG renderers
draw the same items, so both outputs look alike.

Each design is split in two: the items that only depend on the batch-wide
texts (brand, slogan, hotline, county) and the items of the one card. The PDF
renderer draws the first part once as a form and reuses it on every card.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Literal, Union

from .card import CardData
from .fonts import ASCENT, DESCENT, char_width, text_width
from .qr import QUIET_ZONE

LayoutName = Literal["card", "a6"]
Align = Literal["left", "center", "right"]

GREEN = "#07C160"  # WeChat green
INK = "#1F2329"
GREY = "#646A73"
LIGHT = "#8F959E"
HAIRLINE = "#DEE0E3"
WHITE = "#FFFFFF"

LINE_PITCH = 1.25  # baseline to baseline, in em
# The face has one weight: bold is the fill plus an outline stroke this wide (em).
BOLD_STROKE_EM = 0.04
ELLIPSIS = "…"
CAPTION = "微信扫一扫 反映问题"
LEADER_LABEL = "包案领导"
DEPARTMENT_LABEL = "责任科室"
HOTLINE_LABEL = "政务服务便民热线"
HALL_GUIDE = ("扫码即可反映问题", "我们将及时办理答复")


@dataclass(frozen=True)
class Rect:
    """A filled rectangle."""

    x: float
    y: float
    w: float
    h: float
    color: str


@dataclass(frozen=True)
class Text:
    """One line of text; (x, y) is on the baseline, at the left, centre or right end."""

    x: float
    y: float
    text: str
    size: float
    color: str
    align: Align = "left"
    bold: bool = False


@dataclass(frozen=True)
class Qr:
    """A QR code whose modules fill a square of `size`; the quiet zone is kept clear around it."""

    x: float
    y: float
    size: float
    data: str


Item = Union[Rect, Text, Qr]


@dataclass(frozen=True)
class Format:
    """A trimmed card size."""

    name: LayoutName
    width: float
    height: float
    bleed: float = 3.0


FORMATS: dict[str, Format] = {
    "card": Format("card", 90.0, 54.0),  # business card
    "a6": Format("a6", 105.0, 148.0),  # desk sign
}


def get_format(layout: str) -> Format:
    """Return the format of a layout name, or raise ValueError."""
    try:
        return FORMATS[layout]
    except KeyError:
        raise ValueError(f"unknown layout {layout!r}; use one of {sorted(FORMATS)}") from None


# Text fitting ---------------------------------------------------------------

_NO_LINE_START = frozenset("，。、：；！？）》」』”’,.;:!?)]}%…·")
_NO_LINE_END = frozenset("（《「『“‘([{")


@dataclass(frozen=True)
class FittedText:
    """Lines of text and the font size (mm) at which they fit their box."""

    lines: tuple[str, ...]
    size: float

    @property
    def line(self) -> str:
        """Return the first line, or "" for empty text."""
        return self.lines[0] if self.lines else ""

    @property
    def width(self) -> float:
        """Return the width of the widest line, in mm."""
        return max((text_width(line, self.size) for line in self.lines), default=0.0)

    @property
    def height(self) -> float:
        """Return the height from the top of the first line to the bottom of the last, in mm."""
        return _block_height(len(self.lines)) * self.size


def _block_height(lines: int) -> float:
    return ASCENT + DESCENT + (lines - 1) * LINE_PITCH


# Words common in enterprise and department names; a line should not break
# inside them when another break sets the name just as large.
_WORDS = (
    "有限公司 有限责任 股份 分公司 合作社 专业 集团 实业 投资 开发 建设 建筑 工程 农业 林业 科技 技术 "
    "发展 信息 电子 商务 商贸 贸易 物流 食品 文化 旅游 机械 制造 材料 医药 生物 服务 管理 能源 环保 "
    "智能 装备 汽车 纺织 服装 包装 印刷 家具 制品 加工 种植 养殖 竹木 茶叶 酒店 餐饮 超市 街道 社区 "
    "园区 政务 大厅 市场 监督 监管 执法 委员会 办公室"
).split()


def _inside_words(text: str) -> frozenset[int]:
    """Return the break indexes that would split one of the common words."""
    inside = set()
    for word in _WORDS:
        start = text.find(word)
        while start >= 0:
            inside.update(range(start + 1, start + len(word)))
            start = text.find(word, start + 1)
    return frozenset(inside)


def _break_points(text: str) -> list[int]:
    """Return the indexes before which a line may break."""
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after in _NO_LINE_START or before in _NO_LINE_END:
            continue
        if before.isascii() and before.isalnum() and after.isascii() and after.isalnum():
            continue  # keep Latin words and numbers whole
        points.append(i)
    return points or list(range(1, len(text)))


class _Measured:
    """A text with prefix widths, to measure any slice of it at once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prefix = list(accumulate(map(char_width, text), initial=0.0))

    def width(self, span: tuple[int, int]) -> float:
        """Return the width (em) of a slice, outer spaces left out."""
        start, end = span
        if start < end and self.text[start] == " ":
            start += 1
        if end > start and self.text[end - 1] == " ":
            end -= 1
        return self.prefix[end] - self.prefix[start]

    def lines(self, spans: list[tuple[int, int]]) -> tuple[str, ...]:
        return tuple(self.text[start:end].strip() for start, end in spans)


def _wrap(text: _Measured, width: float, points: list[int]) -> list[tuple[int, int]]:
    """Break text greedily into lines no wider than width (em), where breaks are allowed."""
    spans = []
    start, length = 0, len(text.text)
    while start < length:
        if text.width((start, length)) <= width:
            spans.append((start, length))
            break
        end = None
        for point in points[bisect_right(points, start) :]:
            if text.width((start, point)) > width:
                break
            end = point
        if end is None:  # not even one piece fits: overflow this line, the caller shrinks
            later = points[bisect_right(points, start) :]
            end = later[0] if later else length
        spans.append((start, end))
        start = end
    return spans


def _balanced(text: _Measured, count: int, points: list[int], capped: float) -> list[tuple[int, int]]:
    """Break text into at most count lines so that the widest one is as narrow as can be.

    Among two-line breaks that are at most 6 % wider than the narrowest (or
    narrower than `capped`, the width set at the maximum size anyway), one
    that keeps a common word whole wins.
    """
    length = len(text.text)
    if count == 1 or not points:
        return [(0, length)]
    if count == 2:
        widest = {p: max(text.width((0, p)), text.width((p, length))) for p in points}
        good_enough = max(min(widest.values()) * 1.06, capped)
        inside = _inside_words(text.text)
        point = min((p for p in points if widest[p] <= good_enough), key=lambda p: (p in inside, widest[p]))
        return [(0, point), (point, length)]
    low, high = text.width((0, length)) / count, text.width((0, length))
    for _ in range(24):
        middle = (low + high) / 2
        if len(_wrap(text, middle, points)) <= count:
            high = middle
        else:
            low = middle
    return _wrap(text, high, points)


def _truncate(text: str, width: float) -> str:
    """Cut text so that it, with an ellipsis, fits width (em)."""
    for end in range(len(text), -1, -1):
        candidate = text[:end].rstrip() + ELLIPSIS
        if text_width(candidate, 1.0) <= width:
            return candidate
    return ELLIPSIS


@lru_cache(maxsize=4096)
def fit_text(
    text: str,
    width: float,
    height: float,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
) -> FittedText:
    """Fit text into a box (mm): wrap to at most max_lines, shrink, and cut as a last resort.

    One line is preferred unless more lines allow a clearly larger size. Lines
    are balanced, so a name wraps as two even lines rather than a full one and
    a stub. If the text does not fit at min_size it is cut with an ellipsis.
    The result never exceeds the box width.
    """
    text = " ".join(text.split())
    if not text:
        return FittedText((), max_size)
    measured = _Measured(text)
    points = _break_points(text)

    best: tuple[float, list[tuple[int, int]]] | None = None
    for count in range(1, max_lines + 1):
        spans = _balanced(measured, count, points, width / max_size)
        line_width = max(map(measured.width, spans))
        size = min(max_size, width / line_width, height / _block_height(len(spans)))
        if best is None or size > best[0] * 1.12:
            best = (size, spans)
    assert best is not None
    size = math.floor(best[0] * 20 + 1e-9) / 20  # a 0.05 mm step keeps sizes tidy
    if size >= min_size:
        return FittedText(measured.lines(best[1]), size)

    # Too long even at the smallest size: fill the lines and cut the last one.
    count = max(1, min(max_lines, int((height / min_size - ASCENT - DESCENT) / LINE_PITCH) + 1))
    lines = list(measured.lines(_wrap(measured, width / min_size, points)))
    if len(lines) > count:
        lines = lines[: count - 1] + [_truncate("".join(lines[count - 1 :]), width / min_size)]
    lines = [line if text_width(line, min_size) <= width else _truncate(line, width / min_size) for line in lines]
    return FittedText(tuple(lines), min_size)


def _text_block(
    fitted: FittedText,
    x: float,
    top: float,
    height: float,
    color: str,
    align: Align = "left",
    bold: bool = False,
) -> list[Text]:
    """Set fitted lines centred vertically in a box whose left/centre/right edge is x."""
    first = top + (height - fitted.height) / 2 + ASCENT * fitted.size
    return [
        Text(x, first + i * LINE_PITCH * fitted.size, line, fitted.size, color, align, bold)
        for i, line in enumerate(fitted.lines)
    ]


def format_phone(phone: str) -> str:
    """Group an 11-digit mobile number as 138 0000 0000; leave other numbers as they are."""
    digits = phone.strip()
    if len(digits) == 11 and digits.isdigit() and digits.startswith("1"):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return digits


def _slogan_lines(slogan: str) -> list[str]:
    for comma in "，,":
        if comma in slogan:
            head, _, tail = slogan.partition(comma)
            return [head.strip(), tail.strip()]
    return [slogan]


# Business card, 90 x 54 mm ---------------------------------------------------
#
#  +-----------+--------------------------------------+
#  |  county   |  Enterprise name, up to two lines    |
#  |  馆满意    |  ----------------------------------  |
#  |  您码上说  |  包案领导                +--------+   |
#  |  我马上办  |  name / phone            |   QR   |   |
#  |           |  责任科室                +--------+   |
#  |  热线      |  department / phone    caption      |
#  |  12345    |  No. serial                          |
#  +-----------+--------------------------------------+
#
# The green panel is the only thing touching the top and bottom trim edges,
# and it is the same on every card, so cards can be butted vertically on the
# sheet: the neighbour's panel is the bleed.

_CARD_PANEL = 30.0
_CARD_LEFT = 33.0  # left edge of the white part's content
_CARD_RIGHT = 87.0
_CARD_QR = Qr(64.5, 19.5, 22.0, "")
_CARD_CONTACTS_TOP = 18.8
_CARD_CONTACTS_BOTTOM = 47.6
_CARD_CONTACTS_WIDTH = 28.0


def _card_static(brand: str, slogan: str, hotline: str, county: str | None) -> list[Item]:
    fmt = FORMATS["card"]
    b = fmt.bleed
    centre = _CARD_PANEL / 2
    items: list[Item] = [Rect(-b, -b, _CARD_PANEL + b, fmt.height + 2 * b, GREEN)]
    if county:
        fitted = fit_text(county, 23.0, 3.0, 2.3, 1.6)
        items += _text_block(fitted, centre, 5.6, 3.0, WHITE, "center")
    brand_fit = fit_text(brand, 23.0, 8.0, 6.4, 3.0)
    items += _text_block(brand_fit, centre, 12.0, 8.0, WHITE, "center", bold=True)
    items.append(Rect(centre - 5.0, 22.6, 10.0, 0.35, WHITE))
    lines = _slogan_lines(slogan)
    slogan_fit = fit_text("".join(lines), 24.0, 9.0, 3.1, 1.8, max_lines=2)
    if len(lines) == 2 and max(text_width(line, 3.1) for line in lines) <= 24.0:
        slogan_fit = FittedText(tuple(lines), 3.1)
    items += _text_block(slogan_fit, centre, 25.2, 9.0, WHITE, "center")
    label_fit = fit_text(HOTLINE_LABEL, 24.0, 2.4, 1.9, 1.4)
    items += _text_block(label_fit, centre, 41.8, 2.4, WHITE, "center")
    number_fit = fit_text(hotline, 24.0, 5.2, 4.6, 2.5)
    items += _text_block(number_fit, centre, 44.9, 5.2, WHITE, "center", bold=True)

    items.append(Rect(_CARD_LEFT, 16.0, _CARD_RIGHT - _CARD_LEFT, 0.25, HAIRLINE))
    items.append(Rect(_CARD_LEFT, 15.8, 8.0, 0.65, GREEN))
    qr = _CARD_QR
    items.append(Text(qr.x + qr.size / 2, 47.3, CAPTION, 2.05, GREY, "center"))
    return items


def _contact_group(
    label: str, name: str | None, phone: str | None, width: float, scale: float
) -> list[tuple[str, float, str, bool]]:
    """Return (text, size, colour, bold) lines of one contact: label, name (1-2 lines), phone."""
    rows = [(label, 1.9 * scale, GREEN, False)]
    if name:
        fitted = fit_text(name, width, 8.0, 2.8 * scale, 1.8, max_lines=2)
        rows += [(line, fitted.size, INK, True) for line in fitted.lines]
    if phone:
        fitted = fit_text(format_phone(phone), width, 4.0, 2.5 * scale, 1.6)
        rows += [(line, fitted.size, INK, False) for line in fitted.lines]
    return rows


def _flow(rows: list[tuple[str, float, str, bool]], x: float, top: float, gap: float) -> tuple[list[Text], float]:
    """Stack lines down from top; an empty row adds a gap. Return the items and the bottom edge."""
    items = []
    y = top
    previous = 0.0
    for text, size, color, bold in rows:
        if not text:
            y += gap
            continue
        y += (LINE_PITCH - ASCENT) * previous + ASCENT * size
        items.append(Text(x, y, text, size, color, "left", bold))
        previous = size
    return items, y + DESCENT * previous


def _card_variable(card: CardData) -> list[Item]:
    fmt = FORMATS["card"]
    width = _CARD_RIGHT - _CARD_LEFT
    items: list[Item] = []
    heading = fit_text(card.heading, width, 11.2, 4.2, 2.2, max_lines=2)
    items += _text_block(heading, _CARD_LEFT, 3.8, 11.2, INK, bold=True)

    available = _CARD_CONTACTS_BOTTOM - _CARD_CONTACTS_TOP
    has_contacts = any(
        (card.package_leader, card.package_leader_phone, card.department_name, card.department_phone)
    )
    for scale in (1.0, 0.9, 0.8, 0.7):
        if has_contacts:
            rows: list[tuple[str, float, str, bool]] = []
            if card.package_leader or card.package_leader_phone:
                rows += _contact_group(
                    LEADER_LABEL, card.package_leader, card.package_leader_phone, _CARD_CONTACTS_WIDTH, scale
                )
            if card.department_name or card.department_phone:
                if rows:
                    rows.append(("", 0.0, "", False))
                rows += _contact_group(
                    DEPARTMENT_LABEL, card.department_name, card.department_phone, _CARD_CONTACTS_WIDTH, scale
                )
        else:
            rows = []
            for line in HALL_GUIDE:
                fitted = fit_text(line, _CARD_CONTACTS_WIDTH, 4.0, 2.5 * scale, 1.6)
                rows += [(text, fitted.size, INK if not rows else GREY, not rows) for text in fitted.lines]
        texts, bottom = _flow(rows, _CARD_LEFT, _CARD_CONTACTS_TOP + (0.0 if has_contacts else 4.0), 1.9 * scale)
        if bottom - _CARD_CONTACTS_TOP <= available:
            break
    items += texts

    serial = fit_text(f"No. {card.serial}", 28.0, 2.0, 1.6, 1.2)
    items.append(Text(_CARD_LEFT, fmt.height - 3.2, serial.line, serial.size, LIGHT))
    items.append(Qr(_CARD_QR.x, _CARD_QR.y, _CARD_QR.size, card.url))
    return items


# A6 desk sign, 105 x 148 mm ---------------------------------------------------
#
#  +-------------------------------+
#  |  green header: county, brand,  |
#  |  slogan                        |
#  +-------------------------------+
#  |  Enterprise name (two lines)   |
#  |          +---------+           |
#  |          |   QR    |           |
#  |          +---------+           |
#  |     微信扫一扫 反映问题          |
#  |  包案领导  name        phone    |
#  |  责任科室  department  phone    |
#  |                      No. serial|
#  +-------------------------------+
#  |  green footer: hotline 12345   |
#  +-------------------------------+

_A6_MARGIN = 8.0
_A6_HEADER = 38.0
_A6_FOOTER = 134.0
_A6_QR = Qr(30.5, 61.0, 44.0, "")


def _a6_static(brand: str, slogan: str, hotline: str, county: str | None) -> list[Item]:
    fmt = FORMATS["a6"]
    b = fmt.bleed
    centre = fmt.width / 2
    inner = fmt.width - 2 * _A6_MARGIN
    items: list[Item] = [
        Rect(-b, -b, fmt.width + 2 * b, _A6_HEADER + b, GREEN),
        Rect(-b, _A6_FOOTER, fmt.width + 2 * b, fmt.height - _A6_FOOTER + b, GREEN),
    ]
    if county:
        items += _text_block(fit_text(county, inner, 4.5, 3.6, 2.4), centre, 5.5, 4.5, WHITE, "center")
    items += _text_block(fit_text(brand, inner, 13.0, 11.0, 5.0), centre, 11.0, 13.0, WHITE, "center", bold=True)
    items += _text_block(fit_text(slogan, inner, 6.5, 5.0, 3.0), centre, 27.0, 6.5, WHITE, "center")

    label = fit_text(HOTLINE_LABEL, inner * 0.6, 4.0, 3.4, 2.2)
    number = fit_text(hotline, inner * 0.35, 7.5, 6.4, 3.0)
    gap = 2.5
    total = label.width + gap + number.width
    left = centre - total / 2
    baseline = _A6_FOOTER + (fmt.height - _A6_FOOTER) / 2 + ASCENT * number.size / 2 - 0.3
    items.append(Text(left, baseline, label.line, label.size, WHITE))
    items.append(Text(left + label.width + gap, baseline, number.line, number.size, WHITE, bold=True))

    items.append(Text(centre, 115.0, CAPTION, 4.0, INK, "center"))
    return items


def _a6_contact_line(label: str, value: str | None, phone: str | None, baseline: float) -> list[Item]:
    fmt = FORMATS["a6"]
    left, right = _A6_MARGIN, fmt.width - _A6_MARGIN
    size = 3.2
    items: list[Item] = [Text(left, baseline, label, size, GREEN)]
    value_left = left + text_width(label, size) + 3.0
    value_right = right
    if phone:
        phone_fit = fit_text(format_phone(phone), 34.0, 4.0, size, 2.2)
        items.append(Text(right, baseline, phone_fit.line, phone_fit.size, INK, "right"))
        value_right = right - phone_fit.width - 3.0
    if value:
        value_fit = fit_text(value, value_right - value_left, 4.0, size, 2.2)
        items.append(Text(value_left, baseline, value_fit.line, value_fit.size, INK, bold=True))
    return items


def _a6_variable(card: CardData) -> list[Item]:
    fmt = FORMATS["a6"]
    centre = fmt.width / 2
    inner = fmt.width - 2 * _A6_MARGIN
    items: list[Item] = []
    heading = fit_text(card.heading, inner, 13.0, 6.4, 3.2, max_lines=2)
    items += _text_block(heading, centre, 41.5, 13.0, INK, "center", bold=True)

    lines = []
    if card.package_leader or card.package_leader_phone:
        lines.append((LEADER_LABEL, card.package_leader, card.package_leader_phone))
    if card.department_name or card.department_phone:
        lines.append((DEPARTMENT_LABEL, card.department_name, card.department_phone))
    if lines:
        for i, (label, value, phone) in enumerate(lines):
            items += _a6_contact_line(label, value, phone, 121.8 + i * 6.4 + (3.2 if len(lines) == 1 else 0.0))
    else:
        guide = fit_text("，".join(HALL_GUIDE), inner, 4.0, 3.4, 2.2)
        items += _text_block(guide, centre, 121.0, 4.0, GREY, "center")

    serial = fit_text(f"No. {card.serial}", 40.0, 2.4, 2.0, 1.4)
    items.append(Text(fmt.width - _A6_MARGIN, 132.0, serial.line, serial.size, LIGHT, "right"))
    items.append(Qr(_A6_QR.x, _A6_QR.y, _A6_QR.size, card.url))
    return items


# Entry points ---------------------------------------------------------------

_STATIC = {"card": _card_static, "a6": _a6_static}
_VARIABLE = {"card": _card_variable, "a6": _a6_variable}


@lru_cache(maxsize=64)
def static_items(
    layout: LayoutName, brand: str, slogan: str, hotline: str, county: str | None
) -> tuple[Item, ...]:
    """Return the items shared by all cards with these texts."""
    get_format(layout)
    return tuple(_STATIC[layout](brand, slogan, hotline, county))


def static_key(card: CardData) -> tuple[str, str, str, str | None]:
    """Return the card texts that the static items depend on."""
    return (card.brand, card.slogan, card.hotline, card.county)


def variable_items(card: CardData, layout: LayoutName) -> tuple[Item, ...]:
    """Return the items that belong to this card only."""
    get_format(layout)
    return tuple(_VARIABLE[layout](card))


def card_items(card: CardData, layout: LayoutName) -> tuple[Item, ...]:
    """Return all items of a card, back to front."""
    return static_items(layout, *static_key(card)) + variable_items(card, layout)


def qr_clear_zone(qr: Qr, modules: int) -> tuple[float, float, float, float]:
    """Return the (x0, y0, x1, y1) box that the QR code and its quiet zone need, in mm."""
    quiet = qr.size / modules * QUIET_ZONE
    return (qr.x - quiet, qr.y - quiet, qr.x + qr.size + quiet, qr.y + qr.size + quiet)
