"""Browser fixtures serving the app with CSRF protection on, as in production. The shared
`live_server` in tests/conftest.py still serves the test app with it off on this branch; import
these fixtures into a browser test module instead:
    from tests.csrf_browser import csrf_page, csrf_server, phone_csrf_page  # noqa: F401
"""
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.conftest import isolate_requests, make_config

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}  # no mobile emulation: an overflowing page shows


@pytest.fixture
def csrf_server(app, migrated, tmp_path):
    """The app served over loopback HTTP with CSRF protection on (the shared live_server still
    serves the test app with it off); same database as `app`, which wipes it afterwards."""
    config = make_config(migrated, tmp_path / "media")
    config.WTF_CSRF_ENABLED = True
    served = isolate_requests(create_app(config))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    served.config["BASE_URL"] = server.url
    yield server
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        db.engine.dispose()


def _page(browser, server, viewport):
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport=viewport)
    return context, context.new_page()


@pytest.fixture
def csrf_page(browser, csrf_server):
    """A 1440×900 desktop page on the CSRF-on server."""
    context, page = _page(browser, csrf_server, DESK)
    yield page
    context.close()


@pytest.fixture
def phone_csrf_page(browser, csrf_server):
    """A 390×844 page on the CSRF-on server."""
    context, page = _page(browser, csrf_server, PHONE)
    yield page
    context.close()
