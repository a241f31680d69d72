"""The office's cards page: choose enterprises, preview a card, download a batch."""
from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from app.auth.decorators import role_required
from app.auth.queries import OFFICE_ROLES
from app.cards import operations as card_ops
from app.cards.models import Card, CardBatch
from app.cards.printing import render_card_png, render_cards_pdf, zip_of_pngs
from app.cards.queries import enterprises_query
from app.core.clock import utcnow
from app.core.timeutil import format_local, to_local
from app.departments.models import Department, DepartmentKind
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.public_url import public_base_url

bp = Blueprint("cards", __name__, url_prefix="/cards")
MAX_BATCH = 5000


class BatchForm(FlaskForm):
    township = SelectField("乡镇", coerce=int, validators=[Optional()])
    industry = SelectField("行业", validators=[Optional()])
    search = StringField("名称/代码", validators=[Optional()])
    monitoring_points = BooleanField("监测点企业")
    key_enterprises = BooleanField("重点企业")
    layout = SelectField("版式", choices=[("card", "名片 90×54mm（A4拼版10张）"), ("a6", "A6桌牌")])
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


@bp.route("/", methods=["GET", "POST"])
@role_required(*OFFICE_ROLES)
def index():
    form = BatchForm(request.form if request.method == "POST" else request.args,
                     meta={} if request.method == "POST" else {"csrf": False})
    _filter_choices(form)
    enterprises = _chosen(form)
    if request.method == "POST" and form.validate():
        if not enterprises:
            form.search.errors = list(form.search.errors) + ["没有符合条件的企业"]
        else:
            cards = [card_ops.ensure_current_card(e) for e in enterprises]
            layout = form.layout.data
            if form.output.data == "zip":
                body, mimetype, ext = zip_of_pngs(cards, layout), "application/zip", "zip"
            else:
                body, mimetype, ext = render_cards_pdf(cards, layout), "application/pdf", "pdf"
            card_ops.record_batch(cards, layout=layout, actor=current_user,
                                  note=f"网页下载 {ext.upper()}")
            db.session.commit()
            stamp = to_local(utcnow()).strftime("%Y%m%d-%H%M")
            return Response(body, mimetype=mimetype, headers={
                "Content-Disposition": f'attachment; filename="cards-{stamp}.{ext}"'})
    batches = db.session.execute(db.select(CardBatch).order_by(CardBatch.id.desc()).limit(20)
                                 ).scalars().all()
    return render_template("cards/index.html", form=form, enterprises=enterprises,
                           batches=batches, format_local=format_local)


@bp.get("/<int:card_id>/preview.png")
@role_required(*OFFICE_ROLES)
def preview(card_id):
    card = db.session.get(Card, card_id) or abort(404)
    return Response(render_card_png(card, layout=request.args.get("layout", "card")
                                    if request.args.get("layout") in ("card", "a6") else "card"),
                    mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


@bp.get("/enterprise/<int:enterprise_id>")
@role_required(*OFFICE_ROLES)
def enterprise_cards(enterprise_id):
    """The enterprise's card and its history; a GET issues nothing (see issue below)."""
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    return render_template("cards/enterprise.html", enterprise=enterprise,
                           cards=card_ops.card_history(enterprise), format_local=format_local,
                           card_url=card_ops.card_url, base_url=public_base_url())


@bp.post("/enterprise/<int:enterprise_id>/issue")
@role_required(*OFFICE_ROLES)
def issue(enterprise_id):
    """生成企业码: the enterprise's first card (nothing happens if it has one)."""
    from flask import flash, redirect, url_for
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    if FlaskForm().validate_on_submit():
        card_ops.ensure_current_card(enterprise)
        db.session.commit()
        flash("企业码已生成，请打印", "info")
    return redirect(url_for("cards.enterprise_cards", enterprise_id=enterprise.id), 303)


@bp.post("/enterprise/<int:enterprise_id>/revoke")
@role_required(*OFFICE_ROLES)
def revoke(enterprise_id):
    from flask import flash, redirect, url_for
    enterprise = db.session.get(Enterprise, enterprise_id) or abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            card_ops.revoke_card(enterprise, reason=request.form.get("reason", ""),
                                 actor=current_user)
        except card_ops.CardError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash("旧码已作废，新码已生成，请打印新卡", "info")
    return redirect(url_for("cards.enterprise_cards", enterprise_id=enterprise.id))
