"""gzip for text responses (app/intake/compress.py)."""
import gzip
import os

from app.intake.compress import gzip_bytes


def test_small_windows_give_the_same_bytes_back_and_no_bigger_output():
    text = ("<p>县营商环境办公室受理，限时办理并答复。</p>" * 4000).encode()
    for size in (0, 1, 100, 600, 4_900, 9_000, 40_000, len(text)):
        data = text[:size]
        packed = gzip_bytes(data)
        assert gzip.decompress(packed) == data
        assert len(packed) <= len(gzip.compress(data, 6, mtime=0)) + 2
    noise = os.urandom(50_000)
    assert gzip.decompress(gzip_bytes(noise)) == noise


def test_the_form_is_sent_gzipped_to_browsers_that_accept_it(client, card):
    plain = client.get(f"/q/{card.token}")
    packed = client.get(f"/q/{card.token}", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    html = gzip.decompress(packed.data).decode()
    assert "您好，鲁西轴承有限公司" in html and len(packed.data) < len(plain.data) / 1.5
