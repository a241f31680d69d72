"""What the print shop and WeChat get: PDFs and PNGs, checked the way a reader sees them."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

import qrcards
from qrcards import pdf as pdf_module
from qrcards.imposition import SHEETS
from qrcards.layout import FORMATS

from .support import FORTY_CHARACTER_NAME, make_cards, pdf_tool, rasterise, zbarimg

MM = 72 / 25.4


@pytest.fixture(scope="module")
def batch() -> list[qrcards.CardData]:
    return make_cards(12)


@pytest.fixture(scope="module")
def batch_pdf(batch: list[qrcards.CardData]) -> bytes:
    # Small chunks and two workers, so the batch really is split across processes.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_module, "CHUNK_CARDS", 5)
        return qrcards.render_pdf(batch, layout="card", imposition=True, workers=2)


@pytest.fixture(scope="module")
def batch_pages(batch_pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return rasterise(batch_pdf, tmp_path_factory.mktemp("batch"))


def page_sizes(info: str) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def test_twelve_business_cards_print_on_two_a4_sheets(batch_pdf, batch_pages, tmp_path):
    info = pdf_tool("pdfinfo", batch_pdf, tmp_path, "-f", "1", "-l", "99")
    assert page_sizes(info) == [(pytest.approx(595.28, abs=0.1), pytest.approx(841.89, abs=0.1))] * 2
    for page in batch_pages:  # 300 dpi; pdftoppm may round a pixel up
        width, height = Image.open(page).size
        assert abs(width - 2480) <= 1 and abs(height - 3508) <= 1


def test_every_qr_code_on_the_sheets_decodes_to_exactly_the_urls_given(batch, batch_pages):
    decoded = zbarimg(*batch_pages)
    assert sorted(decoded) == sorted(card.url for card in batch)


def test_cards_sit_on_the_sheets_in_the_order_given(batch, batch_pages):
    sheet = SHEETS["card"]
    scale = 300 / 25.4
    for index, card in enumerate(batch):
        page = Image.open(batch_pages[index // sheet.per_sheet])
        slot = sheet.slots[index % sheet.per_sheet]
        box = (slot.x, slot.y, slot.x + sheet.card.width, slot.y + sheet.card.height)
        crop = page.crop(tuple(round(v * scale) for v in box))
        assert [code.data.decode() for code in pyzbar.decode(crop)] == [card.url], f"slot of card {index}"


def test_parallel_and_single_process_printing_give_the_same_pdf(batch, batch_pdf):
    assert qrcards.render_pdf(batch, layout="card", imposition=True, workers=1) == batch_pdf


def test_every_font_is_embedded_and_the_chinese_font_is_a_wenquanyi_subset(batch_pdf, tmp_path):
    listing = pdf_tool("pdffonts", batch_pdf, tmp_path).splitlines()
    header = listing[0].split()
    fonts = [dict(zip(header, line.split()[:1] + line.split()[-6:])) for line in listing[2:]]
    assert fonts, "pdffonts found no font at all"
    assert all(font["emb"] == "yes" for font in fonts), listing
    cjk = [font for font in fonts if "WenQuanYi" in font["name"]]
    assert cjk and all(font["sub"] == "yes" and re.match(r"[A-Z]{6}\+", font["name"]) for font in cjk), listing
    assert b"Helvetica" not in batch_pdf


def content_streams(pdf: bytes) -> list[bytes]:
    """Return the decompressed page and form streams; font programs are left out."""
    streams = []
    for dictionary, data in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        if b"/Length1" in dictionary:
            continue
        streams.append(zlib.decompress(data) if b"/FlateDecode" in dictionary else data)
    return streams


def test_qr_codes_are_vector_paths_not_pictures(batch_pdf):
    assert not re.search(rb"/Subtype\s*/Image", batch_pdf), "an image XObject"
    streams = content_streams(batch_pdf)
    assert streams
    assert not any(re.search(rb"(^|\s)BI\s", stream) for stream in streams), "an inline image"
    # Each QR code is one filled path of rectangles in module units.
    qr_fills = [m for stream in streams for m in re.findall(rb"cm\n((?:\d+ \d+ \d+ \d+ re\n)+)f", stream)]
    assert len(qr_fills) == 12


def test_the_texts_are_on_the_card_and_can_be_copied(batch, batch_pdf, tmp_path):
    text = re.sub(r"\s+", "", pdf_tool("pdftotext", batch_pdf, tmp_path))
    for expected in ("馆满意", "您码上说", "我马上办", "微信扫一扫", "反映问题", "12345", "政务服务大厅",
                     "张建国", "1380000", "县市场监督管理局", "E00000", "临安县"):
        assert expected in text
    assert FORTY_CHARACTER_NAME[:10] in text and FORTY_CHARACTER_NAME[-10:] in text


def test_a6_desk_signs_print_two_per_landscape_a4_sheet_and_decode(tmp_path):
    cards = make_cards(3, seed=11)
    pdf = qrcards.render_pdf(cards, layout="a6")
    info = pdf_tool("pdfinfo", pdf, tmp_path, "-f", "1", "-l", "99")
    assert page_sizes(info) == [(pytest.approx(841.89, abs=0.1), pytest.approx(595.28, abs=0.1))] * 2
    assert sorted(zbarimg(*rasterise(pdf, tmp_path, dpi=150))) == sorted(card.url for card in cards)


def test_without_imposition_every_card_is_a_page_of_its_trimmed_size(tmp_path):
    cards = make_cards(2, seed=3)
    for layout in ("card", "a6"):
        fmt = FORMATS[layout]
        pdf = qrcards.render_pdf(cards, layout=layout, imposition=False)
        info = pdf_tool("pdfinfo", pdf, tmp_path, "-f", "1", "-l", "99")
        expected = (pytest.approx(fmt.width * MM, abs=0.1), pytest.approx(fmt.height * MM, abs=0.1))
        assert page_sizes(info) == [expected] * 2
        pages = rasterise(pdf, tmp_path / layout)
        assert sorted(zbarimg(*pages)) == sorted(card.url for card in cards)


def test_progress_is_reported_for_every_card():
    calls = []
    qrcards.render_pdf(make_cards(11), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(done, 11) for done in range(1, 12)]


@pytest.mark.parametrize("layout, size", [("card", (1063, 638)), ("a6", (1240, 1748))])
def test_png_is_300_dpi_at_the_trimmed_size_and_its_qr_decodes(layout, size):
    card = make_cards(2)[1]  # the one with the 40-character name
    image = Image.open(io.BytesIO(qrcards.render_png(card, layout=layout)))
    assert image.format == "PNG"
    assert abs(image.size[0] - size[0]) <= 2 and abs(image.size[1] - size[1]) <= 2
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert [code.data.decode() for code in pyzbar.decode(image)] == [card.url]


def test_png_qr_modules_are_whole_pixels_in_pure_black_and_white():
    card = make_cards(1)[0]
    image = Image.open(io.BytesIO(qrcards.render_png(card))).convert("RGB")
    scale = 300 / 25.4
    qr = [item for item in qrcards.layout.card_items(card, "card") if isinstance(item, qrcards.layout.Qr)][0]
    inner = image.crop(tuple(round(v * scale) for v in (qr.x, qr.y, qr.x + qr.size, qr.y + qr.size)))
    assert set(inner.getdata()) <= {(0, 0, 0), (255, 255, 255)}


def test_a_hall_card_without_enterprise_renders_as_pdf_and_png():
    hall = qrcards.CardData(url="https://example.gov.cn/q/hall-0001", serial="H0001", title="政务服务大厅")
    assert qrcards.render_pdf([hall], imposition=False).startswith(b"%PDF")
    image = Image.open(io.BytesIO(qrcards.render_png(hall, layout="a6")))
    assert [code.data.decode() for code in pyzbar.decode(image)] == [hall.url]
