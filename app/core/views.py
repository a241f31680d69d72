"""Cross-cutting routes (health check, home), security headers, error pages."""
import logging

from flask import (Blueprint, current_app, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user
from sqlalchemy import text
from werkzeug.routing import IntegerConverter

from app.auth.models import Role
from app.core.timeutil import format_deadline, format_local, keep_dates_whole
from app.core.types import ID_MAX
from app.extensions import db

bp = Blueprint("core", __name__)
log = logging.getLogger(__name__)

# Where each role starts; the first endpoint that exists wins (domains register them).
HOME_ENDPOINTS = {
    Role.admin: ("office.queue", "figures.dashboard"),
    Role.dispatcher: ("office.queue",),
    Role.handler: ("handling.todo",),
    Role.department_head: ("handling.todo",),
    Role.leader: ("oversight.cases", "figures.dashboard"),
    Role.supervisor: ("oversight.cases", "figures.dashboard"),
    Role.discipline: ("field.supervision", "oversight.cases"),
    Role.social_supervisor: ("assessments.index",),
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # the point of a health check is to say so, not to 500
        db.session.rollback()
        return jsonify(status="error", error=type(exc).__name__), 503
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database, media storage and Redis answer; how old the scheduler's
    last scan is; deliveries waiting and given up (app/observability/readiness.py)."""
    from app.observability.readiness import readiness
    body, status = readiness()
    return jsonify(body), status


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    for endpoint in HOME_ENDPOINTS.get(current_user.role, ()):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("core/home.html")


NUL_MESSAGE = "提交的内容含有无效的空字符，请删除后重试"


def reads_own_body(view):
    """Mark a view that parses its own request body (a streaming upload): hooks leave it unread."""
    view.reads_own_body = True
    return view


def contains_nul(value) -> bool:
    """Whether a string anywhere in `value` (text, MultiDict, dict, list) holds a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if hasattr(value, "lists"):  # a MultiDict: every value of every key counts
        return any(contains_nul(key) or contains_nul(items) for key, items in value.lists())
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(item) for item in value)
    return False


def _body_is_ours() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "reads_own_body", False)


@bp.before_app_request
def refuse_nul_bytes():
    """PostgreSQL can neither store nor compare a NUL: refuse it before any query sees it."""
    suspects = [request.view_args or {}, request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
            and _body_is_ours():
        suspects.append(request.form)
    elif request.is_json:
        suspects.append(request.get_json(silent=True))
    if any(contains_nul(values) for values in suspects):
        return _error(400, NUL_MESSAGE)
    return None


PUBLIC_PREFIXES = ("/q/", "/t/")  # what an enterprise's phone opens: no staff page behind


def _wants_json():
    return request.path.startswith("/api/")


def _error(status, message):
    if _wants_json():
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 413: "too_large", 429: "rate_limited",
                 500: "server_error"}
        return jsonify(error=codes.get(status, "error"), message=message), status
    if status == 404 and request.path.startswith(PUBLIC_PREFIXES):
        from app.intake.views import public_not_found  # the public pages' own dead end
        return public_not_found()
    return render_template("core/error.html", status=status, message=message), status


def register_error_pages(app):
    messages = {
        400: "请求有误，请返回重试",
        403: "您没有权限访问此页面",
        404: "页面不存在或您无权查看",
        405: "不支持该操作方式",
        413: "上传的内容太大",
        429: "操作太频繁，请稍后再试",
        500: "系统出了点问题，我们会尽快处理，请稍后再试",
    }
    for status, message in messages.items():
        if status != 500:
            app.register_error_handler(status, lambda exc, s=status, m=message: _error(s, m))

    @app.errorhandler(500)
    def server_error(exc):
        # The failure may have been a database error: the session must be usable again before
        # the page (its top bar counts unread notifications) runs a query.
        db.session.rollback()
        try:
            return _error(500, messages[500])
        except Exception:  # the database is down, say: still answer with a page, not a traceback
            log.exception("rendering the 500 page failed")
            db.session.rollback()
            return (f"<!doctype html><meta charset=utf-8><title>500</title><p>{messages[500]}</p>",
                    500, {"Content-Type": "text/html; charset=utf-8"})

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error(400, "页面已过期或来源无法验证，请刷新页面后重新提交（您填写的内容已保留在本机）")


# Every page of these blueprints may show a submitter's access code or case (the receipt, the
# status page), an enterprise's round answer, or answers an API token: no browser or proxy
# keeps a copy.
NO_STORE_BLUEPRINTS = {"intake", "api", "rounds_public"}


def must_not_be_stored(response) -> bool:
    """Whether `response` shows something no cache may keep: any page of NO_STORE_BLUEPRINTS,
    and any page answered to a logged-in staff session (full phones, staff-only views).
    Static files, and responses that chose their own Cache-Control (media), are left alone."""
    if request.endpoint == "static" or "Cache-Control" in response.headers:
        return False
    # Flask-Login keeps the user id in the session: no need to load the user to know.
    return request.blueprint in NO_STORE_BLUEPRINTS or "_user_id" in session


def register_security_headers(app):
    @app.after_request
    def security_headers(response):
        if must_not_be_stored(response):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("HSTS_SECONDS"):  # production only: a laptop serves plain HTTP
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_SECONDS']}")
        return response


class RowIdConverter(IntegerConverter):
    """`<int:…>` that matches only numbers an INTEGER id column can hold: a longer one is a
    404, not a database error on PostgreSQL."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_converters(app):
    """Before any blueprint adds a rule: rules bind their converters when they are added."""
    app.url_map.converters["int"] = RowIdConverter


def register_template_helpers(app):
    from app.cases.queries import mask_name, mask_phone
    app.add_template_filter(format_local, "local")
    app.add_template_filter(format_deadline, "deadline")
    app.add_template_filter(keep_dates_whole, "dates_whole")
    app.add_template_filter(mask_name, "mask_name")
    app.add_template_filter(mask_phone, "mask_phone")
