"""Cross-cutting routes (health check) and template helpers."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from app.core.timeutil import format_local
from app.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # the point of a health check is to say so, not to 500
        db.session.rollback()
        return jsonify(status="error", error=type(exc).__name__), 503
    return jsonify(status="ok")


def register_template_helpers(app):
    app.add_template_filter(format_local, "local")
