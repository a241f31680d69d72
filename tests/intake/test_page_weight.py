"""The scan-to-receipt path stays light: what a phone downloads from opening the card to the
receipt, counted on the wire (gzip) in Chromium."""
from tests.intake.test_intake_browser import fill_form

# Before this round about 15.6 KB in 10 requests; now 16.9 KB in 9 (the public pages dropped
# the staff countdown script). The viewer (its script and styles) and 我的反馈's state request
# are not on this path.
MAX_BYTES = 17 * 1024
MAX_REQUESTS = 9  # the form, 2 style sheets, 2 scripts, the icon; the POST, the receipt, the icon


def test_scan_to_receipt_is_light(phone_page, card):
    page = phone_page
    seen = []
    page.on("requestfinished", lambda r: seen.append(r))
    page.goto(f"/q/{card.token}")
    fill_form(page)
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    page.wait_for_load_state("networkidle")
    # A negative body size is Chromium's memory cache: no request reached the server.
    sizes = [(r.method, r.url.split("?")[0].rsplit("/", 1)[-1], r.sizes()["responseBodySize"])
             for r in seen if r.sizes()["responseBodySize"] >= 0]
    total = sum(size for _m, _u, size in sizes)
    assert not any(name in ("viewer.js", "viewer.css", "mine.json") for _m, name, _s in sizes)
    assert len(sizes) <= MAX_REQUESTS, sizes
    assert total <= MAX_BYTES, sizes
