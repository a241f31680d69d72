"""Optional second factor (TOTP, RFC 6238) for admins and dispatchers.

When a user has a TOTP secret, the password only opens the second step: the session holds
the half-logged-in user until the 6-digit code is right. Wrong codes are counted apart from
wrong passwords (users.failed_second_factor), so giving the right password again does not
reset them; at the limit the account locks. A code that logged in, and any older one, is
refused afterwards (users.totp_last_step), inside its window too."""
from datetime import timedelta
import hmac
import io

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import or_, update
from wtforms import StringField

from app.auth.models import Role, User
from app.auth.views import safe_next
from app.core.clock import utcnow
from app.extensions import db

bp = Blueprint("totp", __name__)
TOTP_ROLES = (Role.admin, Role.dispatcher)
PENDING = "totp_pending"      # (user id, session version) between the two steps
NEW_SECRET = "totp_new_secret"  # the secret being enrolled, until its first code is right
ISSUER = "码上办"


class CodeForm(FlaskForm):
    code = StringField("动态验证码")


def needs_second_factor(user: User) -> bool:
    return bool(user.totp_secret) and user.role in TOTP_ROLES


def start_second_factor(user: User):
    session[PENDING] = [user.id, user.session_version]
    return redirect(url_for("totp.verify", next=request.args.get("next")))


def _matching_step(secret: str, code: str, now) -> int | None:
    """The time-step whose code `code` is, within one step of `now` (clock drift), or None."""
    totp = pyotp.TOTP(secret)
    if not (code.isdigit() and len(code) == totp.digits):
        return None
    for offset in (-1, 0, 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as used unless it (or a later one) already is. One conditional UPDATE, so
    of two requests carrying the same code only one gets in."""
    claimed = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if claimed:
        user.totp_last_step = step
        db.session.flush()
    return bool(claimed)


def check_code(user: User, code: str, *, max_failures: int, lock_minutes: int, now=None):
    """Verify a code for a half-logged-in user; a Chinese message on failure, None on success."""
    now = now or utcnow()
    if user.locked_until and user.locked_until > now:
        return "错误次数过多，账号已锁定，请稍后再试"
    step = _matching_step(user.totp_secret, (code or "").strip().replace(" ", ""), now)
    if step is not None and _claim_step(user, step):
        user.failed_second_factor = 0
        user.last_login_at = now
        return None
    user.failed_second_factor += 1
    if user.failed_second_factor >= max_failures:
        user.locked_until = now + timedelta(minutes=lock_minutes)
        user.failed_second_factor = 0
        return f"错误次数过多，账号已锁定{lock_minutes}分钟"
    left = max_failures - user.failed_second_factor
    if step is not None:
        return f"该动态验证码已使用过，请等验证器显示下一个验证码后再输入（还可尝试{left}次）"
    return f"动态验证码不正确，还可尝试{left}次"


@bp.route("/login/totp", methods=["GET", "POST"])
def verify():
    pending = session.get(PENDING)
    user = db.session.get(User, pending[0]) if pending else None
    if user is None or user.session_version != pending[1] or not needs_second_factor(user):
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        error = check_code(user, form.code.data,
                           max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                           lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        db.session.commit()
        if error is None:
            session.pop(PENDING, None)
            login_user(user)
            current_app.logger.info("login user=%s (totp)", user.username)
            return redirect(safe_next(request.args.get("next")) or url_for("core.home"))
    return render_template("auth/totp_verify.html", form=form, error=error), (401 if error else 200)


def _provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
def setup():
    """Enrol (or switch off) the second factor; enrolment needs one correct code first."""
    if current_user.role not in TOTP_ROLES:
        flash("只有管理员和派单员可以启用动态验证码", "error")
        return redirect(url_for("core.home"))
    form = CodeForm()
    error = None
    if current_user.totp_secret:
        if form.validate_on_submit():
            if pyotp.TOTP(current_user.totp_secret).verify((form.code.data or "").strip(), valid_window=1):
                current_user.totp_secret = None
                db.session.commit()
                flash("已关闭动态验证码", "info")
                return redirect(url_for("totp.setup"))
            error = "动态验证码不正确"
        return render_template("auth/totp_setup.html", form=form, error=error, enabled=True), \
            (400 if error else 200)
    secret = session.get(NEW_SECRET) or pyotp.random_base32()
    session[NEW_SECRET] = secret
    if form.validate_on_submit():
        if pyotp.TOTP(secret).verify((form.code.data or "").strip(), valid_window=1):
            current_user.totp_secret = secret
            db.session.commit()
            session.pop(NEW_SECRET, None)
            current_app.logger.info("totp enabled user=%s", current_user.username)
            flash("已启用动态验证码，下次登录时需要输入", "info")
            return redirect(url_for("totp.setup"))
        error = "动态验证码不正确，请核对手机上的验证器后重试"
    return render_template("auth/totp_setup.html", form=form, error=error, enabled=False,
                           secret=secret, uri=_provisioning_uri(current_user, secret)), \
        (400 if error else 200)


@bp.get("/account/totp/qr.svg")
@login_required
def qr():
    """The enrolment QR code as SVG (an image, so no inline script is needed)."""
    secret = session.get(NEW_SECRET)
    if not secret or current_user.totp_secret:
        return Response(status=404)
    image = qrcode.make(_provisioning_uri(current_user, secret),
                        image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml")  # no-store: app/core/views.py
