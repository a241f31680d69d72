"""Administration: enterprises (and their import), departments, users, categories, time limits,
holiday overrides, branding. Admins only; every change goes through an operation."""
from flask import Blueprint, current_app, render_template

from app.auth.decorators import role_required
from app.auth.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required(Role.admin)
def index():
    return render_template("admin/index.html", admin_endpoints=current_app.view_functions)
