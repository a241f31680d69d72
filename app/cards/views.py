"""The office's cards page: choose enterprises, preview a card, download a batch."""
from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect,
                   render_template, request, send_file, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from app.auth.decorators import role_required
from app.auth.queries import OFFICE_ROLES
from app.cards import operations as card_ops
from app.cards.models import Card, CardBatch, CardPrintJob
from app.cards.printing import render_batch, render_card_png
from app.cards.queries import enterprises_query
from app.cards.tasks import build_in_background
from app.core.clock import utcnow
from app.core.confirm import confirmation_page, confirmed, going_back
from app.core.documents import attachment_disposition
from app.core.timeutil import format_local, to_local
from app.departments.models import Department, DepartmentKind
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.public_url import public_base_url

bp = Blueprint("cards", __name__, url_prefix="/cards")
MAX_BATCH = 5000


LAYOUTS = [("card", "名片 90×54mm（A4拼版10张）"), ("a6", "A6桌牌")]


class BatchForm(FlaskForm):
    township = SelectField("乡镇", coerce=int, validators=[Optional()])
    industry = SelectField("行业", validators=[Optional()])
    search = StringField("名称/代码", validators=[Optional()])
    monitoring_points = BooleanField("监测点企业")
    key_enterprises = BooleanField("重点企业")
    layout = SelectField("版式", choices=LAYOUTS)
    output = SelectField("输出", choices=[("pdf", "印刷PDF"), ("zip", "PNG图片包（微信发送）")])


def _filter_choices(form):
    townships = db.session.execute(db.select(Department).filter_by(kind=DepartmentKind.township)
                                   .order_by(Department.name)).scalars()
    form.township.choices = [(0, "全部乡镇")] + [(d.id, d.name) for d in townships]
    industries = db.session.execute(db.select(Enterprise.industry).distinct()
                                    .where(Enterprise.industry.is_not(None))
                                    .order_by(Enterprise.industry)).scalars()
    form.industry.choices = [("", "全部行业")] + [(i, i) for i in industries]


def _township_id(form):
    """The township filter, if it is one the list offers; anything else is dropped (the page
    says so), never sent to SQL: 2147483648 is an error on PostgreSQL."""
    field = form.township
    if field.data in {choice for choice, _label in field.choices}:
        return field.data or None  # 0: all townships
    if field.raw_data and field.raw_data[0] not in ("", "0"):
        field.errors = [*field.errors, "not a listed township"]  # shown as 请选择列表中的乡镇
    return None


def _chosen(form):
    query = enterprises_query(monitoring_points=form.monitoring_points.data,
                              key_enterprises=form.key_enterprises.data,
                              township_id=_township_id(form),
                              industry=form.industry.data or None, search=form.search.data)
    return list(db.session.execute(query.limit(MAX_BATCH)).scalars())


FILTER_FIELDS = ("township", "industry", "search", "monitoring_points", "key_enterprises",
                 "layout", "output")


def _filter_args(form) -> dict:
    """The form's choices as the GET query of the filtered list (empty ones left out)."""
    args = {}
    for name in FILTER_FIELDS:
        value = form[name].data
        if value is True:
            args[name] = "y"
        elif value not in (None, "", False, 0):
            args[name] = value
    return args


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": attachment_disposition(filename)})


def _stamp() -> str:
    return to_local(utcnow()).strftime("%Y%m%d-%H%M")


@bp.route("/", methods=["GET", "POST"])
@role_required(*OFFICE_ROLES)
def index():
    """The filtered list and the batch form. The form always carries its CSRF token (a POST
    downloads); 筛选 posts too and is redirected to the GET list, so the token never lands in a
    URL. A batch of CARD_BACKGROUND_MIN cards or more is built in the background."""
    posted = request.method == "POST"
    form = BatchForm(request.form if posted else request.args)
    _filter_choices(form)
    if posted and request.form.get("action") == "filter":
        return redirect(url_for("cards.index", **_filter_args(form)), 303)
    enterprises = _chosen(form)
    if posted and form.validate():
        if not enterprises:
            form.search.errors = list(form.search.errors) + ["没有符合条件的企业"]
        elif len(enterprises) >= current_app.config["CARD_BACKGROUND_MIN"]:
            job = card_ops.start_print_job(enterprises, layout=form.layout.data,
                                           output=form.output.data, actor=current_user)
            db.session.commit()
            build_in_background(job.id)
            return redirect(url_for("cards.job", job_id=job.id), 303)
        else:
            cards = [card_ops.ensure_current_card(e) for e in enterprises]
            layout = form.layout.data
            body, mimetype, ext = render_batch(cards, layout, form.output.data)
            card_ops.record_batch(cards, layout=layout, actor=current_user,
                                  note=f"网页下载 {ext.upper()}")
            db.session.commit()
            return _attachment(body, mimetype, f"cards-{_stamp()}.{ext}")
    batches = db.session.execute(db.select(CardBatch).order_by(CardBatch.id.desc()).limit(20)
                                 ).scalars().all()
    return render_template("cards/index.html", form=form, enterprises=enterprises,
                           batches=batches, format_local=format_local,
                           background_min=current_app.config["CARD_BACKGROUND_MIN"])


def _job_or_404(job_id) -> CardPrintJob:
    return db.session.get(CardPrintJob, job_id) or abort(404)


@bp.get("/jobs/<int:job_id>")
@role_required(*OFFICE_ROLES)
def job(job_id):
    """A background batch: progress (the page polls the JSON below; without JavaScript it
    refreshes itself), then the download link."""
    job = _job_or_404(job_id)
    return render_template("cards/job.html", job=job, status=card_ops.job_status(job),
                           format_local=format_local)


@bp.get("/jobs/<int:job_id>.json")
@role_required(*OFFICE_ROLES)
def job_json(job_id):
    status = card_ops.job_status(_job_or_404(job_id))
    status["download_url"] = url_for("cards.job_download", job_id=job_id) if status["ready"] else None
    return jsonify(status)


@bp.get("/jobs/<int:job_id>/download")
@role_required(*OFFICE_ROLES)
def job_download(job_id):
    job = _job_or_404(job_id)
    if not card_ops.job_status(job)["ready"]:
        flash("文件尚未生成或已过期，请稍候或重新生成", "error")
        return redirect(url_for("cards.job", job_id=job.id))
    path = card_ops.job_file_path(job)
    mimetype = "application/zip" if path.suffix == ".zip" else "application/pdf"
    stamp = to_local(job.created_at).strftime("%Y%m%d-%H%M")
    return send_file(path, mimetype=mimetype, as_attachment=True,
                     download_name=f"cards-{stamp}{path.suffix}")


@bp.post("/jobs/<int:job_id>/retry")
@role_required(*OFFICE_ROLES)
def job_retry(job_id):
    """重新生成: the same selection as a new job."""
    job = card_ops.retry_print_job(_job_or_404(job_id), actor=current_user)
    db.session.commit()
    build_in_background(job.id)
    return redirect(url_for("cards.job", job_id=job.id), 303)


@bp.get("/<int:card_id>/preview.png")
@role_required(*OFFICE_ROLES)
def preview(card_id):
    card = db.session.get(Card, card_id) or abort(404)
    return Response(render_card_png(card, layout=request.args.get("layout", "card")
                                    if request.args.get("layout") in ("card", "a6") else "card"),
                    mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


@bp.get("/enterprise/<int:enterprise_id>")
@role_required(*OFFICE_ROLES)
def enterprise_cards(enterprise_id, reason="遗失补办"):
    """The enterprise's card and its history; a GET issues nothing (see issue below).
    `reason`: the revoke form's text, kept when the page comes back after a refusal."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    return render_template("cards/enterprise.html", enterprise=enterprise,
                           cards=card_ops.card_history(enterprise), format_local=format_local,
                           single_form=SingleCardForm(), reason=reason,
                           card_url=card_ops.card_url, base_url=public_base_url())


class SingleCardForm(FlaskForm):
    layout = SelectField("版式", choices=[("card", "名片 90×54mm"), ("a6", "A6桌牌")])
    output = SelectField("输出", choices=[("pdf", "印刷PDF"), ("png", "PNG图片（微信发送）")])


@bp.post("/enterprise/<int:enterprise_id>/download")
@role_required(*OFFICE_ROLES)
def download_card(enterprise_id):
    """下载本企业的码: the current card alone, recorded as a batch of one."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    form, card = SingleCardForm(), card_ops.current_card(enterprise)
    if card is None or not form.validate_on_submit():
        flash("尚未发码，请先生成企业码" if card is None else "请选择列表中的版式和输出", "error")
        return redirect(url_for("cards.enterprise_cards", enterprise_id=enterprise.id))
    layout = form.layout.data
    if form.output.data == "png":
        body, mimetype, ext = render_card_png(card, layout=layout), "image/png", "png"
    else:
        body, mimetype, ext = render_batch([card], layout, "pdf")
    card_ops.record_batch([card], layout=layout, actor=current_user,
                          note=f"网页下载单张 {ext.upper()}")
    db.session.commit()
    return _attachment(body, mimetype, f"card-{enterprise.credit_code}-{card.serial}.{ext}")


@bp.post("/enterprise/<int:enterprise_id>/issue")
@role_required(*OFFICE_ROLES)
def issue(enterprise_id):
    """生成企业码: the enterprise's first card (nothing happens if it has one)."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    if FlaskForm().validate_on_submit():
        card_ops.ensure_current_card(enterprise)
        db.session.commit()
        flash("企业码已生成，请打印", "info")
    return redirect(url_for("cards.enterprise_cards", enterprise_id=enterprise.id), 303)


@bp.post("/enterprise/<int:enterprise_id>/revoke")
@role_required(*OFFICE_ROLES)
def revoke(enterprise_id):
    """作废旧码并生成新码, after a confirmation step (app/core/confirm.py): the revocation runs as
    a dry run first, so a refused reason shows before anything is asked."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    reason = request.form.get("reason", "")
    if going_back():
        return enterprise_cards(enterprise_id, reason=reason)
    if FlaskForm().validate_on_submit():
        try:
            old, _new = card_ops.revoke_card(enterprise, reason=reason, actor=current_user)
        except card_ops.CardError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return enterprise_cards(enterprise_id, reason=reason)
        if not confirmed():
            serial, reason = old.serial, old.revoke_reason
            db.session.rollback()
            return confirmation_page(
                title="确认作废旧码", button="确认作废并生成新码",
                message=f"{enterprise.name} 的企业码 {serial} 将作废，并生成一张新码。"
                        "已张贴的旧码扫码后会提示已更换，需要重新打印张贴新码。",
                details=[("作废原因", reason)])
        db.session.commit()
        flash("旧码已作废，新码已生成，请打印新卡", "info")
    return redirect(url_for("cards.enterprise_cards", enterprise_id=enterprise.id))
