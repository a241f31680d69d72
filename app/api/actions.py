"""`POST /cases/<no>/actions`: one adapter per action, each reading its fields and calling the
one operation that does the work (app/cases/operations.py)."""
from app.api import params
from app.api.errors import ApiError
from app.cases import operations as ops
from app.cases.models import Complexity, Rating

ACTIONS = {}


def action(name):
    def register(fn):
        ACTIONS[name] = fn
        return fn
    return register


def run_action(case, user, body: dict):
    name = body.get("action")
    if not name:
        raise ApiError("missing_field", "缺少字段“action”", field="action")
    adapter = ACTIONS.get(name) if isinstance(name, str) else None
    if adapter is None:
        raise ApiError("unknown_action", f"未知的操作“{name}”，可选：{'、'.join(ACTIONS)}",
                       field="action")
    adapter(case, user, body)


@action("answer_now")
def _answer_now(case, user, body):
    ops.answer_now(case, user, params.text(body, "content"))


@action("dispatch")
def _dispatch(case, user, body):
    lead = params.department(body.get("department"))
    if lead is None:
        raise ApiError("missing_field", "缺少字段“department”（主办部门代码）", field="department")
    ops.dispatch_case(case, user, lead, co_departments=params.departments(body.get("co_departments")),
                      complexity=params.choice(body.get("complexity"), Complexity, "complexity"),
                      note=params.text(body, "note", max_length=2000))


@action("sign")
def _sign(case, user, body):
    ops.sign_case(case, user)


@action("return")
def _return(case, user, body):
    ops.return_case(case, user, params.text(body, "reason"))


@action("request_extension")
def _request_extension(case, user, body):
    ops.request_extension(case, user, params.integer(body, "days", required=True),
                          params.text(body, "reason"))


@action("approve_extension")
def _approve_extension(case, user, body):
    ops.approve_extension(case, user, note=params.text(body, "note", max_length=500))


@action("refuse_extension")
def _refuse_extension(case, user, body):
    ops.refuse_extension(case, user, params.text(body, "reason", max_length=500))


@action("reply")
def _reply(case, user, body):
    ops.reply_to_case(case, user, params.text(body, "content"))


@action("rate")
def _rate(case, user, body):
    rating = params.choice(body.get("rating"), Rating, "rating", required=True)
    tags = body.get("tags") or []  # 差评 reasons: ReasonTag names (rate_case checks them)
    ops.rate_case(case, rating, params.text(body, "comment", max_length=2000), actor=user,
                  tags=tags if isinstance(tags, list) else [str(tags)])


@action("close_unrated")
def _close_unrated(case, user, body):
    ops.close_unrated(case, actor=user)


@action("urge")
def _urge(case, user, body):
    ops.urge_case(case, user, note=params.text(body, "note", max_length=2000))


@action("supervise")
def _supervise(case, user, body):
    ops.supervise_case(case, user, note=params.text(body, "note", max_length=2000))


@action("mark_invalid")
def _mark_invalid(case, user, body):
    ops.mark_invalid(case, user, params.text(body, "reason", max_length=200))


@action("reassign")
def _reassign(case, user, body):
    ops.reassign_case(case, user, params.user(body.get("assignee")))


@action("co_opinion")
def _co_opinion(case, user, body):
    ops.add_co_opinion(case, user, params.text(body, "content"))
