"""Every audit action the code can record has a Chinese label, and no staff role sees a raw
action code in a case's timeline (issue 19 item 3). The actions are collected from the code
(every `action=` keyword and the action argument of the recording helpers), not listed by
hand, so a new one without a label fails here."""
import ast
from pathlib import Path

from app.auth.models import Role
from app.cases.labels import ACTION_LABELS
from app.cases.models import AuditEvent, CaseState
from app.extensions import db
from tests.conftest import ROOT, browser_login

# Recording helpers of app/cases/operations.py and the position of their action argument.
ACTION_POSITION = {"_record": 2, "_transition": 3, "_event_fields": 1}


def _strings(node) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def recorded_actions() -> set[str]:
    found = set()
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    found |= _strings(keyword.value)
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = ACTION_POSITION.get(name)
            if position is not None and len(node.args) > position:
                found |= _strings(node.args[position])
    return found


def test_the_collector_finds_the_actions_recorded_in_every_domain():
    actions = recorded_actions()
    assert {"submit", "sign", "withdraw_extension", "revoke_card", "export_ledger_full",
            "revoke_api_tokens"} <= actions


def test_every_recorded_action_has_a_chinese_label():
    missing = recorded_actions() - ACTION_LABELS.keys()
    assert not missing, f"no Chinese label in app/cases/labels.py for {sorted(missing)}"
    assert all(not label.isascii() for label in ACTION_LABELS.values())


def test_no_staff_role_sees_a_raw_action_code_in_the_timeline(
        browser, live_server, world, make_user, make_enterprise, make_case):
    leader = make_user(Role.leader, username="leader_labels")
    case = make_case(CaseState.signed, enterprise=make_enterprise(package_leader=leader))
    actions = sorted(recorded_actions())
    for action in actions:
        db.session.add(AuditEvent(case=case, actor_label="测试", action=action))
    db.session.commit()
    pages = {world.handler: "handling", world.head: "handling", world.dispatcher: "office",
             world.admin: "office", leader: "oversight", world.supervisor: "oversight"}
    for user, area in pages.items():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        browser_login(page, user.username)
        page.wait_for_load_state()
        page.goto(f"/{area}/cases/{case.tracking_no}")
        shown = page.locator("#timeline li > div:first-child").all_inner_texts()
        context.close()
        assert len(shown) >= len(actions), (user.role, shown)
        heads = [text.split()[0] for text in shown]
        raw = [h for h in heads if h in actions or h.isascii()]
        assert not raw, f"{user.role.value} sees raw action codes: {raw}"
        assert set(heads) >= {ACTION_LABELS[a] for a in actions}, user.role
