"""Login, logout (here and everywhere), and the forced first password change."""
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, login_required, login_user, logout_user, user_logged_in

from app.auth import operations as auth_ops
from app.auth.forms import ChangePasswordForm, LoginForm
from app.auth.models import User
from app.extensions import db, login_manager

bp = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.login_message_category = "error"

# Pages a user with a must-change password may still reach.
PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static", "core.healthz",
                          "core.readyz"}


@login_manager.user_loader
def load_user(session_id: str):
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or str(user.session_version) != version:
        return None  # logged out everywhere, or deactivated
    return user


@user_logged_in.connect
def rotate_csrf_token(_app, **_extra):
    """Every login (password, second factor, the re-login after a password change) draws a new
    CSRF token: one planted or read in the browser before login is refused afterwards."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)  # generate_csrf's copy for this request


@bp.before_app_request
def force_password_change():
    # The public pages (a scanned card, a case's status) know no login: asking who is logged
    # in there would load Flask-Login's user on every scan for nothing.
    if request.blueprint == "intake":
        return None
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_EXEMPT
            and not (request.blueprint or "").startswith("api")):
        return redirect(url_for("auth.change_password"))


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never a way to another host.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    "/\t/evil.example" and "/\\evil.example" would both leave the site."""
    if not target:
        return None
    target = "".join(ch for ch in target if ch.isprintable() and not ch.isspace())
    if "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") \
            or parts.path.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        config, address = current_app.config, request.remote_addr
        refusal = auth_ops.login_refusal(form.username.data, address, config)
        if refusal:
            current_app.logger.warning("login refused (%s) name=%r address=%s", refusal,
                                       form.username.data[:64], address)
            return render_template("auth/login.html", form=form, error=refusal), 429
        user, error = auth_ops.authenticate(form.username.data, form.password.data)
        if error == auth_ops.LOGIN_FAILED:
            auth_ops.count_login_failure(form.username.data, address, config)
        db.session.commit()
        if user is not None:
            from app.auth.totp import needs_second_factor, start_second_factor
            if needs_second_factor(user):
                return start_second_factor(user)
            login_user(user)
            current_app.logger.info("login user=%s", user.username)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("core.home"))
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    # The session is a signed cookie: a copy taken before logging out would stay valid until it
    # expires. The server-side handle on it is the user's session version, so logging out
    # moves it (as "log out everywhere" does) and every cookie issued before is dead.
    if current_user.is_authenticated:
        auth_ops.logout_everywhere(current_user)
        db.session.commit()
    logout_user()
    flash("您已退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    auth_ops.logout_everywhere(current_user)
    db.session.commit()
    logout_user()
    flash("已在所有设备上退出登录", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            auth_ops.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except auth_ops.UserError as exc:
            error = str(exc)
        else:
            db.session.commit()
            login_user(current_user)  # the session id carries the new session version
            flash("密码已修改", "info")
            return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form, error=error)
