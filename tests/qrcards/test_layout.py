"""Layout rules: names fit, nothing overflows, nothing touches the QR code's quiet zone."""

from __future__ import annotations

import pytest

from qrcards import CardData, fit_text
from qrcards.fonts import ASCENT, DESCENT, text_width
from qrcards.layout import FORMATS, Qr, Rect, Text, card_items, format_phone, qr_clear_zone
from qrcards.qr import qr_rows

from .support import FORTY_CHARACTER_NAME, make_cards

SAFE = 3.0  # mm inside the trim edge


def crowded_card() -> CardData:
    return CardData(
        url="https://example.gov.cn/q/Zm9vYmFyYmF6cXV4cXV1eA",
        serial="E99999",
        enterprise_name=FORTY_CHARACTER_NAME,
        package_leader="欧阳建国（县委常委、副县长）",
        package_leader_phone="13800001234",
        department_name="县市场监督管理局城关市场监督管理所综合行政执法队",
        department_phone="0571-88886666 转 8001",
        county="浙江省杭州市临安区",
    )


def cards_to_check() -> list[CardData]:
    return [*make_cards(5), crowded_card()]


def text_box(item: Text) -> tuple[float, float, float, float]:
    width = text_width(item.text, item.size)
    left = {"left": item.x, "center": item.x - width / 2, "right": item.x - width}[item.align]
    return (left, item.y - ASCENT * item.size, left + width, item.y + DESCENT * item.size)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_a_40_character_enterprise_name_fits_the_business_card_in_two_lines():
    box_width = 54.0  # the white part of the card, between its margins
    fitted = fit_text(FORTY_CHARACTER_NAME, box_width, 11.2, 4.2, 2.2, max_lines=2)
    assert len(fitted.lines) == 2
    assert "".join(fitted.lines) == FORTY_CHARACTER_NAME  # nothing cut
    assert all(text_width(line, fitted.size) <= box_width for line in fitted.lines)
    assert fitted.size >= 2.2


def test_the_card_layout_sets_a_40_character_name_within_its_box():
    card = crowded_card()
    for layout, width in (("card", 54.0), ("a6", 89.0)):
        heading = [i for i in card_items(card, layout) if isinstance(i, Text) and i.bold and i.text in FORTY_CHARACTER_NAME]
        assert 1 <= len(heading) <= 2
        assert "".join(i.text for i in heading) == FORTY_CHARACTER_NAME
        assert all(text_width(i.text, i.size) <= width + 1e-9 for i in heading)


def test_names_too_long_even_for_the_smallest_size_are_cut_with_an_ellipsis_never_overflow():
    fitted = fit_text("临安" * 60, 54.0, 11.2, 4.2, 2.2, max_lines=2)
    assert len(fitted.lines) == 2 and fitted.lines[-1].endswith("…")
    assert fitted.size == 2.2
    assert all(text_width(line, fitted.size) <= 54.0 for line in fitted.lines)


def test_two_line_names_are_balanced_and_short_names_stay_on_one_line():
    assert fit_text("城关镇幸福里农业科技发展有限公司", 54.0, 11.2, 4.2, 2.2, max_lines=2).lines == (
        "城关镇幸福里农业",
        "科技发展有限公司",
    )
    assert fit_text("政务服务大厅", 54.0, 11.2, 4.2, 2.2, max_lines=2).lines == ("政务服务大厅",)
    # Latin words are not split, and a line never starts with a closing mark.
    lines = fit_text("临安ABCDEFGHIJ科技（集团）有限公司", 30.0, 11.2, 4.2, 2.2, max_lines=2).lines
    assert not any(line.startswith(("）", "，")) for line in lines)
    assert any("ABCDEFGHIJ" in line for line in lines)


@pytest.mark.parametrize("layout", ["card", "a6"])
def test_texts_stay_inside_the_safe_area_and_apart(layout):
    fmt = FORMATS[layout]
    for card in cards_to_check():
        texts = [text_box(i) for i in card_items(card, layout) if isinstance(i, Text) and i.text]
        for box in texts:
            assert SAFE <= box[0] and box[2] <= fmt.width - SAFE, box
            assert SAFE <= box[1] and box[3] <= fmt.height - SAFE, box
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                assert not overlaps(a, b), (a, b)


@pytest.mark.parametrize("layout", ["card", "a6"])
def test_nothing_is_drawn_in_the_qr_code_or_its_quiet_zone(layout):
    for card in cards_to_check():
        items = card_items(card, layout)
        (qr,) = [i for i in items if isinstance(i, Qr)]
        zone = qr_clear_zone(qr, len(qr_rows(card.url)))
        fmt = FORMATS[layout]
        assert 0 <= zone[0] and zone[2] <= fmt.width and 0 <= zone[1] and zone[3] <= fmt.height
        for item in items:
            if isinstance(item, Text):
                assert not overlaps(text_box(item), zone), item
            elif isinstance(item, Rect):
                assert not overlaps((item.x, item.y, item.x + item.w, item.y + item.h), zone), item


def test_business_card_qr_code_is_at_least_20_mm():
    (qr,) = [i for i in card_items(make_cards(1)[0], "card") if isinstance(i, Qr)]
    assert qr.size >= 20.0


def test_a_card_needs_a_url_a_serial_and_an_enterprise_name_or_a_title():
    with pytest.raises(ValueError):
        CardData(url="https://example.gov.cn/q/x", serial="1")
    with pytest.raises(ValueError):
        CardData(url="", serial="1", title="政务服务大厅")
    assert CardData(url="https://example.gov.cn/q/x", serial="1", title="政务服务大厅").heading == "政务服务大厅"


def test_mobile_numbers_are_grouped_for_reading_and_others_left_alone():
    assert format_phone("13800001234") == "138 0000 1234"
    assert format_phone("0571-88886666") == "0571-88886666"
