"""Package leaders and supervisors: read-only case lists and the escalations addressed to them."""
from flask import Blueprint, render_template
from flask_login import current_user

from app.auth.decorators import role_required
from app.auth.models import Role
from app.cases.queries import get_visible_case_or_404, mask_phone
from app.oversight.queries import escalations_for, overseen_cases

bp = Blueprint("oversight", __name__, url_prefix="/oversight")
OVERSIGHT_ROLES = (Role.leader, Role.supervisor, Role.discipline)


@bp.get("/")
@role_required(*OVERSIGHT_ROLES)
def cases():
    return render_template("oversight/cases.html", cases=overseen_cases(current_user))


@bp.get("/cases/<tracking_no>")
@role_required(*OVERSIGHT_ROLES)
def case(tracking_no):
    case = get_visible_case_or_404(current_user, tracking_no)
    return render_template("oversight/case.html", case=case, phone=mask_phone(case.contact_phone),
                           revealed=False, forms=None)


@bp.get("/escalations")
@role_required(*OVERSIGHT_ROLES)
def escalations():
    return render_template("oversight/escalations.html", items=escalations_for(current_user))
