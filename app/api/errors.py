"""JSON errors for the API: {"error": code, "message": Chinese text}, never an HTML page."""
import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from app.cases.errors import CaseActionError
from app.extensions import db

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Messages for the HTTP errors Flask raises itself (routing, body parsing, crashes).
HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "缺少或无效的访问令牌"),
    403: ("forbidden", "您无权进行此操作"),
    404: ("not_found", "未找到请求的资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
}


class ApiError(Exception):
    """A refused API request that is not a case action: bad body, unknown code, no token."""

    def __init__(self, code: str, message: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.field = code, message, status, field

    def to_dict(self):
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def error_response(code: str, message: str, status: int, field: str | None = None):
    body = {"error": code, "message": message}
    if field:
        body["field"] = field
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mashangban"'
    return response


def _refused(err):
    db.session.rollback()  # the operation flushed half an action; none of it may be committed
    return error_response(err.code, err.message, err.status, err.field)


def _http_error(err: HTTPException):
    db.session.rollback()
    code, message = HTTP_MESSAGES.get(err.code, ("http_error", "请求无法处理"))
    response = error_response(code, message, err.code or 500)
    if err.code == 405 and getattr(err, "valid_methods", None):
        response.headers["Allow"] = ", ".join(err.valid_methods)
    return response


def _crash(err):
    log.exception("API request %s %s failed", request.method, request.path)
    db.session.rollback()
    code, message = HTTP_MESSAGES[500]
    return error_response(code, message, 500)


def _routing_error():
    """Unknown /api/ URLs and wrong methods never reach a blueprint: answer them here."""
    err = request.routing_exception
    if err is not None and request.path.startswith(API_PREFIX) and isinstance(err, HTTPException):
        return _http_error(err)
    return None


def register_error_handlers(bp):
    bp.register_error_handler(ApiError, _refused)
    bp.register_error_handler(CaseActionError, _refused)
    bp.register_error_handler(HTTPException, _http_error)
    # By code too: the app's HTML/JSON error pages are registered by code, and Flask looks
    # up code-specific handlers (blueprint, then app) before class-based ones.
    for status in HTTP_MESSAGES:
        bp.register_error_handler(status, _http_error)
    bp.register_error_handler(Exception, _crash)
    # Routing failures run the app's before-request hooks before they are raised.
    bp.before_app_request(_routing_error)
