"""Cross-cutting routes (health check, home), security headers, error pages."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from app.auth.models import Role
from app.core.timeutil import format_local
from app.extensions import db

bp = Blueprint("core", __name__)

# Where each role starts; the first endpoint that exists wins (domains register them).
HOME_ENDPOINTS = {
    Role.admin: ("office.queue", "figures.dashboard"),
    Role.dispatcher: ("office.queue",),
    Role.handler: ("handling.todo",),
    Role.department_head: ("handling.todo",),
    Role.leader: ("oversight.cases", "figures.dashboard"),
    Role.supervisor: ("oversight.cases", "figures.dashboard"),
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


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    for endpoint in HOME_ENDPOINTS.get(current_user.role, ()):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("core/home.html")


def _wants_json():
    return request.path.startswith("/api/")


def _error(status, message):
    if _wants_json():
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 413: "too_large", 429: "rate_limited",
                 500: "server_error"}
        return jsonify(error=codes.get(status, "error"), message=message), status
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
        app.register_error_handler(status, lambda exc, s=status, m=messages[status]: _error(s, m))

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error(400, "页面已过期或来源无法验证，请刷新页面后重新提交（您填写的内容已保留在本机）")


def register_security_headers(app):
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def register_template_helpers(app):
    from app.cases.queries import mask_name
    app.add_template_filter(format_local, "local")
    app.add_template_filter(mask_name, "mask_name")
