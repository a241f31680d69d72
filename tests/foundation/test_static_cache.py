"""Static CSS/JS a browser keeps (issue 19 item 14): fingerprinted URLs cached for a year, a
conditional request with the stored gzip ETag answered 304, and a favicon."""
import gzip
import re

from flask import request, url_for

from app.core.static import fingerprint
from tests.conftest import browser_login

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def css_url(client):
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', html).group(1)


def test_static_urls_carry_the_content_fingerprint(app, client):
    url = css_url(client)
    with app.test_request_context():
        assert url == url_for("static", filename="css/app.css")
        assert url.endswith("v=" + fingerprint("css/app.css"))
        assert url_for("static", filename="no/such.css") == "/static/no/such.css"


def test_fingerprinted_file_is_cached_for_a_year_and_others_revalidate(client):
    response = client.get(css_url(client))
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    assert "no-cache" not in cache
    for stale in ("/static/css/app.css", "/static/css/app.css?v=0123456789"):
        response = client.get(stale)
        assert response.status_code == 200 and "no-cache" in response.headers["Cache-Control"]
        assert "immutable" not in response.headers["Cache-Control"]


def test_conditional_request_with_the_gzip_etag_answers_304(client):
    url = css_url(client)
    first = client.get(url, headers=GZIP)
    assert first.headers["Content-Encoding"] == "gzip"
    etag = first.headers["ETag"]
    assert etag.endswith('-gz"')
    assert b".btn" in gzip.decompress(first.data)
    again = client.get(url, headers=dict(GZIP, **{"If-None-Match": etag}))
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and "Accept-Encoding" in again.headers["Vary"]
    assert "max-age=31536000" in again.headers["Cache-Control"]
    # The plain ETag still works for a client without gzip, and a stale ETag gets the file.
    plain = client.get(url)
    assert client.get(url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert client.get(url, headers=dict(GZIP, **{"If-None-Match": '"old-gz"'})).status_code == 200
    js = client.get("/static/js/countdown.js", headers=GZIP)
    assert client.get("/static/js/countdown.js", headers=dict(
        GZIP, **{"If-None-Match": js.headers["ETag"]})).status_code == 304


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    assert "max-age" in response.headers["Cache-Control"]
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
    assert client.get("/static/favicon.svg").status_code == 200


def test_a_second_page_load_fetches_no_css_or_js_again(live_server, wide_desk_page, world):
    fetched = []

    @live_server.app.before_request
    def count_static():
        if request.path.startswith("/static/") or request.path == "/favicon.ico":
            fetched.append(request.path)
    page = wide_desk_page
    browser_login(page, world.dispatcher.username)
    page.goto("/office/cases")
    page.goto("/office/board")
    assert fetched.count("/static/css/app.css") == 1
    assert fetched.count("/static/js/countdown.js") == 1
    assert "/favicon.ico" not in fetched  # the page links the SVG icon
