"""Fixtures in the flaskr manner: an app over a throwaway database, a client, a runner,
a login helper and builders. DATABASE_URL selects the database (SQLite file by default);
on PostgreSQL every run gets a fresh schema, dropped at the end."""
import importlib.util
import itertools
import os
from pathlib import Path
import uuid

import flask_migrate
import pytest
from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.models import Role
from app.auth.operations import create_user
from app.cases import operations as ops
from app.cases.models import CaseSource, CaseState, Category, Complexity, Rating, Urgency
from app.core import clock, refcache
from app.departments.models import Department, DepartmentKind
from app.enterprises.credit_code import check_character
from app.enterprises.models import Enterprise
from app.extensions import db
from config import TestingConfig

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-9"
KEEP_TABLES = {"alembic_version", "categories", "time_limits", "reference_version",
               "meeting_types", "analysis_areas", "analysis_area_categories"}


def _reference_data(name="0002_reference_data.py"):
    path = ROOT / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reuse_compiled_url_builders():
    """Every test builds its own app (create_app), and most of that time went on Werkzeug
    generating and compiling, for each of the ~180 URL rules, the Python function that builds
    its URL (Rule._compile_builder: ast + compile, ~2 ms a rule, ~0.4 s an app on this
    machine). That function is a pure product of the rule's text, its parsed parts and its
    defaults — the converters it calls are looked up on the rule it is bound to — so the suite
    compiles each distinct one once and binds it to every later app's rule. The app's own
    startup (one create_app a process) is left as it is."""
    from werkzeug.routing.rules import Rule
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "reused", False):
        return  # another Werkzeug: build as it does
    built = {}

    def reused_builder(self, append_unknown=True):
        key = (self.rule, tuple(self._trace),
               repr(sorted((self.defaults or {}).items())), append_unknown)
        function = built.get(key)
        if function is None:
            function = built[key] = compile_builder(self, append_unknown)
        return function
    reused_builder.reused = True
    Rule._compile_builder = reused_builder


_reuse_compiled_url_builders()
REFERENCE = _reference_data()
SEEDED_MEETING_TYPES = [code for code, _name in _reference_data("0080_meetings.py").MEETING_TYPES]
# The 12 areas of the monthly analysis and their default mapping (reset after each test).
SEEDED_AREAS = _reference_data("0130_areas.py").AREAS
# Time limits later migrations added (reset after each test like the first ones).
LATER_LIMITS = _reference_data("0030_rating_loop.py").TIME_LIMITS


def is_postgres(url) -> bool:
    return make_url(str(url)).get_backend_name() == "postgresql"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh, migrated database for this test run; PostgreSQL gets its own schema."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    if not is_postgres(url):
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # A commit need not wait for its WAL to reach the disk (the suite commits ~60,000 times a
    # leg; nothing here survives a server crash anyway): the same transactions, less waiting.
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    yield str(make_url(url).update_query_dict({"options": options}))
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def make_config(database_url, media_root, csrf=False, **settings):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MEDIA_ROOT = str(media_root)
        WTF_CSRF_ENABLED = csrf
    for name, value in settings.items():
        setattr(Config, name, value)
    return Config


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3-compatible server (moto, its own process), started when a test first asks."""
    from tests.media.s3_server import moto_server
    with moto_server() as url:
        yield url


@pytest.fixture
def media_storage(request):
    """Settings of the media storage the `app` fixture uses: {} (local disk) unless a test is
    parametrized with "s3" (tests/media/storages.py): then a fresh bucket on the moto server.
    tests/media and the intake tests that store files run on both."""
    if getattr(request, "param", "local") == "local":
        yield {}
        return
    from tests.media.s3_server import fresh_bucket, s3_settings
    endpoint = request.getfixturevalue("s3_endpoint")
    with fresh_bucket(endpoint) as bucket:
        yield s3_settings(endpoint, bucket)


# Fixtures whose use means a browser drives the app: that app has CSRF on, as in production.
BROWSER_FIXTURES = {"live_server", "phone_page", "desk_page"}


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory):
    app = create_app(make_config(database_url, tmp_path_factory.mktemp("media")))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


def reset_areas(conn):
    """The areas and the category → area mapping as migration 0130 seeded them."""
    conn.execute(text("DELETE FROM analysis_area_categories"))
    conn.execute(text("DELETE FROM analysis_areas WHERE sort_order > :n"), {"n": len(SEEDED_AREAS)})
    conn.execute(text("UPDATE analysis_areas SET name = 'tmp-' || id"))  # renames may swap
    for order, (name, code, _department) in enumerate(SEEDED_AREAS, start=1):
        conn.execute(text("UPDATE analysis_areas SET name = :name, is_active = :on "
                          "WHERE sort_order = :order"), {"name": name, "on": True, "order": order})
        conn.execute(text("INSERT INTO analysis_area_categories (category_id, area_id) "
                          "SELECT c.id, a.id FROM categories c, analysis_areas a "
                          "WHERE c.code = :code AND a.sort_order = :order"),
                     {"code": code, "order": order})


def wipe(app):
    """Delete every row the test made; keep the reference data the migrations seeded."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            # Before the departments go: PostgreSQL enforces this foreign key, SQLite does not.
            conn.execute(text("UPDATE categories SET default_department_id = NULL"))
            conn.execute(text("UPDATE analysis_areas SET department_id = NULL"))
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in KEEP_TABLES:
                    conn.execute(table.delete())
            for key, _label, amount, unit in REFERENCE.TIME_LIMITS + LATER_LIMITS:
                conn.execute(text("UPDATE time_limits SET amount = :a, unit = :u WHERE key = :k"),
                             {"a": amount, "u": unit, "k": key})
            conn.execute(text("DELETE FROM meeting_types WHERE code NOT IN :codes")
                         .bindparams(bindparam("codes", SEEDED_MEETING_TYPES, expanding=True)))
            reset_areas(conn)
            conn.execute(text("UPDATE meeting_types SET is_active = :on"), {"on": True})
            # SQL past the unit of work: tell every worker's reference cache (app/core/refcache.py)
            conn.execute(refcache.BUMP, {"new": refcache.new_version()})
        db.engine.dispose()


def isolate_requests(app):
    """The fixture keeps one app context open for the whole test, and requests reuse it; so
    forget flask-login's cached user after each request, or one client's login leaks into
    the next client's request."""
    from flask import g

    @app.teardown_request
    def forget_login(_exc):
        g.pop("_login_user", None)
    return app


@pytest.fixture
def app(migrated, tmp_path, request, media_storage):
    """The app over the test database. CSRF is off for the test client's cheaper form posts,
    and on whenever a browser drives the app (`live_server` serves this app): a browser test
    must never pass because the check was off."""
    csrf = bool(BROWSER_FIXTURES & set(request.fixturenames))
    app = isolate_requests(create_app(make_config(migrated, tmp_path / "media", csrf=csrf,
                                                  **media_storage)))
    with app.app_context():
        yield app
        db.session.remove()
    wipe(app)


@pytest.fixture
def csrf_app(migrated, tmp_path, media_storage):
    """An app with CSRF protection on, as in production."""
    config = make_config(migrated, tmp_path / "media", csrf=True, **media_storage)
    app = isolate_requests(create_app(config))
    with app.app_context():
        yield app
        db.session.remove()
    wipe(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- the application's clock -------------------------------------------------------------------

class FixedClock:
    """What the app reads as now (app.core.clock): `set` it to an instant, `advance` it."""

    def set(self, moment):
        clock.set_fixed(moment)
        return moment

    def advance(self, delta):
        return self.set(clock.utcnow() + delta)

    @property
    def now(self):
        return clock.utcnow()


@pytest.fixture
def fixed_clock():
    """Fix the application's clock for one test, so what it asserts holds on any day the suite
    runs; the CLI, views, operations and scheduler all read it."""
    yield FixedClock()
    clock.set_fixed(None)


@pytest.fixture(autouse=True)
def _clock_given_back():
    """No test leaves the clock fixed for the next one."""
    yield
    clock.set_fixed(None)


def pytest_configure(config):
    """The moved-clock leg (scripts/run_tests.sh) states first what date this process sees, and
    stops before any test if libfaketime did not move it: a leg that silently ran on today's
    date would prove nothing."""
    if os.environ.get("EXPECT_CLOCK_MOVED") != "1":
        return
    import time
    from datetime import datetime, timezone
    seen = time.time()
    real = float(os.environ["REAL_EPOCH"])
    days = (seen - real) / 86400
    stamp = datetime.fromtimestamp(seen, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    real_stamp = datetime.fromtimestamp(real, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"moved clock: this process sees {stamp}, {days:.1f} days after the machine's "
          f"{real_stamp}", flush=True)
    if days < 399.99:
        raise pytest.UsageError(f"the wall clock did not move (expected at least 400 days, "
                                f"saw {days:.1f}): is libfaketime preloaded?")


def pytest_report_header(config):
    from datetime import datetime, timezone
    return f"wall clock: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"


def pytest_collection_modifyitems(items):
    """Mark every test that drives Chromium, so a leg can leave them out (`-m "not browser"`)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


# --- logging in ------------------------------------------------------------------------------

def login(client, username, password=PASSWORD):
    """Log `client` in through the real login form; return the response."""
    return client.post("/login", data={"username": username, "password": password},
                       follow_redirects=False)


@pytest.fixture
def login_as(client):
    def do(user, password=PASSWORD):
        response = login(client, user.username, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return do


# --- the browser (Debian's chromium driven by Playwright) -------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) "
             "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 "
             "Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560"
             "(0x28002F3B) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "user_agent": WECHAT_UA, "locale": "zh-CN"}


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on a free loopback port, in a thread, with CSRF on."""
    assert app.config["WTF_CSRF_ENABLED"], "browser tests run with CSRF on, as in production"
    import threading
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = server.url
    yield server
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A page on a phone viewport with WeChat's in-app browser user agent."""
    context = browser.new_context(base_url=live_server.url, **PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desk_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def wide_desk_page(browser, live_server):
    """A 1440×900 office desktop."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1440, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def narrow_page(browser, live_server):
    """A 390×844 window without Chromium's mobile emulation, which would widen the layout
    viewport to fit an overflowing page: here a page wider than the phone shows as such."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def screenshots_dir() -> Path:
    """docs/screenshots when SAVE_SCREENSHOTS=1 (to refresh the docs), else a scratch folder,
    so an ordinary test run never rewrites committed files."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots"
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "mashangban-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def browser_login(page, username, password=PASSWORD):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


# --- builders --------------------------------------------------------------------------------

_counter = itertools.count(1)


def valid_credit_code(n: int) -> str:
    first17 = f"91371500{n:09d}"[:17]
    return first17 + check_character(first17)


@pytest.fixture
def make_department(app):
    def make(code=None, name=None, kind=DepartmentKind.functional, **kw):
        n = next(_counter)
        department = Department(code=code or f"D{n:03d}", name=name or f"测试局{n}", kind=kind, **kw)
        db.session.add(department)
        db.session.commit()
        return department
    return make


@pytest.fixture
def make_user(app):
    def make(role=Role.handler, department=None, username=None, password=PASSWORD, **kw):
        n = next(_counter)
        kw.setdefault("must_change_password", False)
        user = create_user(username or f"{role.name}{n}", password, role, department=department,
                           display_name=kw.pop("display_name", f"{role.value}{n}"), **kw)
        db.session.commit()
        return user
    return make


@pytest.fixture
def make_enterprise(app):
    def make(name=None, **kw):
        n = next(_counter)
        enterprise = Enterprise(name=name or f"测试企业{n}有限公司",
                                credit_code=kw.pop("credit_code", valid_credit_code(n)), **kw)
        db.session.add(enterprise)
        db.session.commit()
        return enterprise
    return make


def category(code="other") -> Category:
    return db.session.execute(db.select(Category).filter_by(code=code)).scalar_one()


@pytest.fixture
def world(make_department, make_user):
    """Two departments with a handler and a head each, a dispatcher, a supervisor."""
    class World:
        pass
    w = World()
    w.dept = make_department(code="MARKET", name="市场监管局")
    w.other_dept = make_department(code="TAX", name="税务局")
    w.handler = make_user(Role.handler, w.dept, username="handler_market")
    w.head = make_user(Role.department_head, w.dept, username="head_market")
    w.other_handler = make_user(Role.handler, w.other_dept, username="handler_tax")
    w.dispatcher = make_user(Role.dispatcher, username="dispatcher")
    w.supervisor = make_user(Role.supervisor, username="supervisor")
    w.admin = make_user(Role.admin, username="admin")
    return w


@pytest.fixture
def make_case(app, world):
    """Build a case and drive it through the real operations to `state`."""
    def make(state=CaseState.submitted, *, now=None, department=None, complexity=None,
             source=CaseSource.card, content="企业反映的问题说明", urgency=Urgency.normal, **kw):
        department = department or world.dept
        case, _ = ops.submit_case(source=source, category=category(kw.pop("category", "other")),
                                  content=content, contact_name="张先生",
                                  contact_phone="13800138000", urgency=urgency,
                                  actor=world.dispatcher if source not in ops.PUBLIC_SOURCES else None,
                                  now=now, **kw)
        if state is CaseState.invalid:
            ops.mark_invalid(case, world.dispatcher, "广告信息", now=now)
        if state in (CaseState.dispatched, CaseState.signed, CaseState.replied, CaseState.closed,
                     CaseState.returned):
            ops.dispatch_case(case, world.dispatcher, department, complexity=complexity, now=now)
        if state is CaseState.returned:
            ops.return_case(case, _handler_of(department, world), "不属于本部门职责", now=now)
        if state in (CaseState.signed, CaseState.replied, CaseState.closed):
            ops.sign_case(case, _handler_of(department, world), now=now)
        if state in (CaseState.replied, CaseState.closed):
            ops.reply_to_case(case, _handler_of(department, world), "已处理完毕", now=now)
        if state is CaseState.closed:
            ops.rate_case(case, Rating.satisfied, now=now)
        db.session.commit()
        return case
    return make


def _handler_of(department, world):
    if department.id == world.dept.id:
        return world.handler
    if department.id == world.other_dept.id:
        return world.other_handler
    from app.auth.queries import users_of_department
    return users_of_department(department.id, Role.handler)[0]


__all__ = ["PASSWORD", "category", "valid_credit_code", "Complexity"]
