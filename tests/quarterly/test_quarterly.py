"""季测评: the exact score of a department on a quarter built through the real operations
(cases, a round with answers, a 现场测评, owned items), truncation, the no-data rule, the
weights form and its Chinese refusals, the sheet's .xlsx and PDF, and who may see it."""
import html
import re
import subprocess
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.assessments import operations as assessment_ops
from app.auth.models import Role, User
from app.cards.operations import issue_card
from app.cases import operations as case_ops
from app.cases.models import AuditEvent, CaseState, Rating
from app.extensions import db
from app.field import operations as field_ops
from app.field.models import VisitLevel
from app.intake.queries import public_card
from app.meetings import operations as meeting_ops
from app.meetings.queries import meeting_type_by_code
from app.quarterly import operations as ops, queries
from app.quarterly.models import QuarterlyWeights
from app.quarterly.queries import ComponentValue, Quarter
from app.rounds import operations as round_ops
from tests.conftest import category

# Monday 12 October 2026, 09:00 in the county; the quarter is read on 20 December.
T0 = datetime(2026, 10, 12, 1, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)
Q4 = Quarter(2026, 4)


def pdf_text(data: bytes) -> str:
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return "".join(text.split())  # wrapping may break a line anywhere


def row_of(evaluation, department):
    return next(r for r in evaluation.rows if r.department.id == department.id)


@pytest.fixture
def quarter(world, make_case, make_enterprise, make_user, fixed_clock):
    """Q4 2026 for 市场监管局: four cases, a closed round with two answers, one 现场测评."""
    fixed_clock.set(T0)
    make_case(CaseState.closed, now=T0)  # signed, answered on time, 满意
    late = make_case(CaseState.dispatched, now=T0)
    case_ops.sign_case(late, world.handler, now=T0 + timedelta(days=10))  # signed late
    case_ops.reply_to_case(late, world.handler, "已处理完毕", now=T0 + timedelta(days=40))
    case_ops.rate_case(late, Rating.satisfied, now=T0 + timedelta(days=41))  # closed late
    make_case(CaseState.returned, now=T0)  # returned before its sign deadline: not judged
    make_case(CaseState.dispatched, now=T0)  # never signed: late at NOW
    db.session.commit()

    fixed_clock.set(T0 + timedelta(days=3))
    round_ = round_ops.open_round(world.dispatcher, title="2026年第四季度网络专项评议",
                                  starts_on=date(2026, 10, 15), ends_on=date(2026, 11, 15),
                                  departments=[world.dept, world.other_dept],
                                  dimensions="服务效率\n服务态度")
    db.session.commit()
    field = round_ops.rating_field
    for levels in (("very_satisfied", "satisfied"), ("basically_satisfied", "dissatisfied")):
        card = public_card(issue_card(make_enterprise()).token)
        db.session.commit()
        round_ops.save_answer(round_, {field(world.dept.id, 0): levels[0],
                                       field(world.dept.id, 1): levels[1]}, card=card)
        db.session.commit()
    round_ops.close_round(round_, world.dispatcher)
    db.session.commit()

    supervisor = make_user(Role.social_supervisor, username="jd_wang", display_name="王建德")
    fixed_clock.set(datetime(2026, 11, 10, 2, tzinfo=timezone.utc))
    assessment_ops.record_assessment(
        supervisor, department=world.dept, assessed_on=date(2026, 11, 10),
        matter="到窗口办理营业执照变更登记", efficiency=Rating.basically_satisfied,
        process=Rating.satisfied, attitude=Rating.very_satisfied)
    db.session.commit()
    fixed_clock.set(NOW)
    return round_


def test_the_score_of_a_constructed_quarter_is_exact(quarter, world):
    evaluation = queries.evaluate(Q4)
    row = row_of(evaluation, world.dept)
    got = {key: (v.numerator, v.denominator, v.display) for key, v in row.components.items()}
    assert got == {
        "on_time_sign": (1, 3, "33.33"),  # 1 of 3 judged (signed twice, one unsigned and late)
        "on_time_closure": (1, 2, "50.00"),
        "satisfaction": (2, 2, "100.00"),
        "reopen": (0, 2, "100.00"),  # nothing reopened of 2 answered
        "return": (1, 4, "75.00"),  # 1 returned of 4 dispatched to it
        "round": (250, 400, "62.50"),  # 100 + 75 + 50 + 25 over 4 ratings
        "assessment": (225, 300, "75.00"),  # 50 + 75 + 100 over one assessment's three
        "items": (0, 0, "—"),
    }
    # The default weights, 交办事项 without data: (10×3333 + 15×5000 + 20×10000 + 10×10000
    # + 5×7500 + 15×6250 + 15×7500) ÷ 90 = 652080 ÷ 90 = 7245.33 → 72.45.
    assert evaluation.weights.is_default and row.used_weight == 90
    assert row.display == "72.45" and row.missing == ["交办事项按期完成率"]
    # The other department has no data at all: no score, never a zero.
    other = row_of(evaluation, world.other_dept)
    assert other.points is None and other.display == "—" and other.used_weight == 0

    ops.set_weights(world.dispatcher, {"on_time_sign": "20", "on_time_closure": "20",
                                       "satisfaction": "20", "reopen": "10", "return": "10",
                                       "round": "10", "assessment": "10", "items": "0"})
    db.session.commit()
    row = row_of(queries.evaluate(Q4), world.dept)
    # (20×3333 + 20×5000 + 20×10000 + 10×10000 + 10×7500 + 10×6250 + 10×7500) ÷ 100 = 67.91
    assert row.used_weight == 100 and row.display == "67.91"


def test_an_open_round_and_other_quarters_do_not_count(quarter, world):
    # The previous quarter has nothing; the trend says so, and the quarter after too.
    row = row_of(queries.evaluate(Q4), world.dept)
    assert [(q.key, points) for q, points in row.trend] == [("2026Q1", None), ("2026Q2", None),
                                                            ("2026Q3", None)]
    later = row_of(queries.evaluate(Quarter(2027, 1)), world.dept)
    assert later.trend[-1] == (Q4, 7245)
    assert later.components["round"].points is None


def test_truncation_and_the_weighted_arithmetic():
    assert queries.hundredths(2, 3) == 6666 and queries.show(6666) == "66.66"
    assert queries.hundredths(0, 0) is None and queries.show(None) == "—"
    component = queries.BY_KEY["round"]
    values = {"a": ComponentValue(component, 0, 0, 3333), "b": ComponentValue(component, 0, 0, 3334),
              "c": ComponentValue(component, 0, 0, None)}
    # (1×3333 + 2×3334) ÷ 3 = 3333.67: truncated to 33.33, never rounded to 33.34; the weight
    # of the component without data (c) is spread over the others.
    assert queries.weighted(values, {"a": 1, "b": 2, "c": 97}) == (3, 3333)
    assert queries.weighted(values, {"a": 0, "b": 0, "c": 100}) == (0, None)


def test_a_component_without_data_gives_its_weight_to_the_others(quarter, world, client,
                                                                 login_as, fixed_clock):
    """税务局 has only a 现场测评 (非常满意, 满意, 不满意 → 200/300): its score is that one
    component's, 66.66, with 15 of the weights used, and the page says the weight was spread."""
    supervisor = db.session.execute(select(User).filter_by(username="jd_wang")).scalar_one()
    assessment_ops.record_assessment(
        supervisor, department=world.other_dept, assessed_on=date(2026, 12, 1),
        matter="到窗口办理发票申领业务", efficiency=Rating.very_satisfied,
        process=Rating.satisfied, attitude=Rating.dissatisfied)
    db.session.commit()
    row = row_of(queries.evaluate(Q4), world.other_dept)
    assert row.components["assessment"].display == "66.66"
    assert row.used_weight == 15 and row.display == "66.66"
    assert len(row.missing) == 7
    login_as(world.dispatcher)
    page = client.get("/quarterly/?quarter=2026Q4").get_data(as_text=True)
    assert "有数据项权重15，已按比例折算" in page and "权重按比例分配给有数据的各项" in page


def test_owned_items_count_on_time_over_due(world, make_enterprise, fixed_clock, client, login_as):
    fixed_clock.set(T0)
    meeting = meeting_ops.create_meeting(world.dispatcher, meeting_type_by_code("party_business"),
                                         date(2026, 10, 12))
    on_time = meeting_ops.raise_issue(meeting, world.dispatcher, category=category(),
                                      content="企业用地手续办理缓慢的问题", department=world.dept,
                                      leader_name="王县长", due_on=date(2026, 11, 20), now=T0)
    meeting_ops.raise_issue(meeting, world.dispatcher, category=category(),
                            content="企业融资担保难的问题请协调", department=world.dept,
                            leader_name="王县长", due_on=date(2026, 11, 25), now=T0)  # never done
    case_ops.sign_case(on_time.case, world.handler, now=T0)
    case_ops.reply_to_case(on_time.case, world.handler, "已协调办结",
                           now=datetime(2026, 11, 18, 2, tzinfo=timezone.utc))
    case_ops.rate_case(on_time.case, Rating.satisfied,
                       now=datetime(2026, 11, 19, 2, tzinfo=timezone.utc))
    enterprise = make_enterprise()
    done_early = field_ops.add_help_measure(world.dispatcher, enterprise, "协助企业申报技改资金",
                                            world.dept, date(2026, 11, 30), now=T0)
    done_late = field_ops.add_help_measure(world.dispatcher, enterprise, "协调解决企业用电增容",
                                           world.dept, date(2026, 10, 31), now=T0)
    field_ops.add_help_measure(world.dispatcher, enterprise, "帮助企业对接高校人才",
                               world.dept, date(2026, 12, 31), now=T0)  # not yet due
    field_ops.complete_help_measure(world.dispatcher, done_early, "已完成申报",
                                    now=datetime(2026, 11, 29, 2, tzinfo=timezone.utc))
    field_ops.complete_help_measure(world.dispatcher, done_late, "已增容",
                                    now=datetime(2026, 11, 5, 2, tzinfo=timezone.utc))
    _visit, (found,) = field_ops.record_visit(
        world.dispatcher, enterprise=enterprise, visited_on=date(2026, 10, 12),
        level=VisitLevel.county, heard="企业反映厂区道路破损影响运输",
        issues=[field_ops.Issue(category(), "厂区门前道路破损需要维修")], now=T0)
    case_ops.dispatch_case(found, world.dispatcher, world.dept, now=T0)
    case_ops.sign_case(found, world.handler, now=T0)
    case_ops.reply_to_case(found, world.handler, "已维修", now=T0 + timedelta(hours=2))
    case_ops.rate_case(found, Rating.satisfied, now=T0 + timedelta(hours=3))
    db.session.commit()
    fixed_clock.set(NOW)
    items = queries.owned_items(Q4, world.dept.id)
    assert [(i.kind, i.due, i.on_time) for i in items] == [
        ("meeting_issue", True, True), ("meeting_issue", True, False),
        ("help_measure", True, False), ("help_measure", True, True),
        ("help_measure", False, False), ("visit_case", True, True)]
    row = row_of(queries.evaluate(Q4), world.dept)
    assert (row.components["items"].numerator, row.components["items"].denominator) == (3, 5)
    assert row.components["items"].display == "60.00"
    # Its drill-down lists the six items and counts the same five and three.
    login_as(world.supervisor)
    page = client.get(f"/quarterly/drill/items?quarter=2026Q4&department={world.dept.id}")
    text = page.get_data(as_text=True)
    assert "<strong data-due>5</strong>" in text and "<strong data-on-time>3</strong>" in text
    assert text.count("<td>一企一策措施</td>") == 3 and "否（时限未到）" in text
    assert on_time.case.tracking_no in text and found.tracking_no in text


@pytest.mark.parametrize("values, message", [
    ({"round": ""}, "请填写“网络专项评议得分”的权重"),
    ({"round": "-5"}, "“网络专项评议得分”的权重应为0至100之间的整数（不能为负数或小数）"),
    ({"round": "7.5"}, "“网络专项评议得分”的权重应为0至100之间的整数（不能为负数或小数）"),
    ({"round": "１５"}, "“网络专项评议得分”的权重应为0至100之间的整数（不能为负数或小数）"),
    ({"round": "101"}, "“网络专项评议得分”的权重应为0至100之间的整数"),
    ({"round": "16"}, "各项权重之和应为100，现在是101"),
])
def test_weights_are_checked_in_chinese_and_kept_as_typed(client, login_as, world, values, message):
    login_as(world.dispatcher)
    form = {key: str(weight) for key, weight in queries.DEFAULT_WEIGHTS.items()}
    form.update(values, note="第四季度调整")
    response = client.post("/quarterly/weights", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{values["round"]}"' in page and 'value="第四季度调整"' in page
    assert db.session.execute(select(func.count(QuarterlyWeights.id))).scalar() == 0


def test_a_weight_change_is_stored_dated_and_audited(client, login_as, world, fixed_clock):
    fixed_clock.set(NOW)
    login_as(world.dispatcher)
    form = dict({key: str(weight) for key, weight in queries.DEFAULT_WEIGHTS.items()},
                round="20", assessment="10", note="加大专项评议权重")
    response = client.post("/quarterly/weights", data=form)
    assert response.status_code == 302
    row = db.session.execute(select(QuarterlyWeights)).scalar_one()
    assert row.weights["round"] == 20 and row.created_at == NOW
    event = db.session.execute(select(AuditEvent).filter_by(action="set_quarterly_weights")).scalar_one()
    assert event.data["to"]["round"] == 20 and event.data["from"]["round"] == 15
    assert event.actor_id == world.dispatcher.id
    page = client.get("/quarterly/").get_data(as_text=True)
    assert "权重：第" in page and "2026-12-20 10:00" in page and "网络专项评议得分 20" in page
    # 督查人员 reads the weights but cannot change them.
    client.post("/logout")
    login_as(world.supervisor)
    assert client.get("/quarterly/weights").status_code == 200
    assert client.post("/quarterly/weights", data=form).status_code == 403


def test_the_page_links_every_component_to_what_it_counts(quarter, client, login_as, world):
    login_as(world.supervisor)
    page = client.get("/quarterly/?quarter=2026Q4").get_data(as_text=True)
    assert "62.50" in page and "72.45" in page and "有数据项权重90" in page
    # Every case figure's numerator and denominator opens the figures' drill-down of that
    # department, which lists exactly as many cases as the number says.
    links = re.findall(r'<a href="(/figures/cases\?[^"]+)" data-count="(\d+)"', page)
    assert len(links) == 2 * 5 * len(queries.evaluate(Q4).rows)
    mine = [(href, count) for href, count in links if f"department={world.dept.id}&" in
            html.unescape(href) + "&"]
    assert len(mine) == 10 and {count for _h, count in mine} >= {"1", "2", "3", "4"}
    for href, count in mine:
        listed = client.get(html.unescape(href)).get_data(as_text=True)
        assert f'<strong class="case-count">{count}</strong>' in listed, href
    rounds = client.get(f"/quarterly/drill/round?quarter=2026Q4&department={world.dept.id}")
    text = rounds.get_data(as_text=True)
    assert rounds.status_code == 200 and "<strong>4</strong> 项评分" in text and ">250<" in text
    assessed = client.get(f"/quarterly/drill/assessment?quarter=2026Q4&department={world.dept.id}")
    assert "<strong>1</strong> 次测评" in assessed.get_data(as_text=True)
    assert "王建德" in assessed.get_data(as_text=True)
    # The departments are in the county's order, not by score.
    names = [r.department.name for r in queries.evaluate(Q4).rows]
    assert names.index("市场监管局") < names.index("税务局")


def test_a_bad_quarter_is_refused_in_chinese(client, login_as, world):
    login_as(world.dispatcher)
    response = client.get("/quarterly/?quarter=2026Q5")
    assert response.status_code == 400
    assert "季度格式不正确" in response.get_data(as_text=True)
    assert client.get("/quarterly/drill/round?quarter=x&department=1").status_code == 400
    assert client.get("/quarterly/drill/round?quarter=2026Q4&department=abc").status_code == 400
    assert client.get("/quarterly/drill/other?quarter=2026Q4&department=1").status_code == 404


def test_the_sheet_as_xlsx_and_pdf(quarter, client, login_as, world, app):
    app.config["COUNTY_NAME"] = "鲁西县"
    world.other_dept.name = "=HYPERLINK(\"x\")<b>局"
    db.session.commit()
    login_as(world.dispatcher)
    response = client.get("/quarterly/sheet.xlsx?quarter=2026Q4")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "UTF-8''" in response.headers["Content-Disposition"] and "2026Q4.xlsx" in \
        response.headers["Content-Disposition"]
    wb = load_workbook(BytesIO(response.data))
    ws = wb["季度测评"]
    assert ws["A1"].value == "鲁西县部门季度测评表（2026年第四季度）"
    assert "网络专项评议得分 15" in ws["A3"].value
    header = [c.value for c in ws[4]]
    assert header[:3] == ["部门", "类型", "按期签收率"] and "季度得分" in header
    weights = [c.value for c in ws[5]]
    assert weights[0] == "权重" and weights[2:10] == [10, 15, 20, 10, 5, 15, 15, 10]
    rows = {r[0]: r for r in ws.iter_rows(min_row=6, values_only=True)}
    dept = rows["市场监管局"]
    assert dept[header.index("季度得分")] == "72.45"
    assert dept[header.index("按期签收率")] == "33.33（1/3）"
    assert dept[header.index("网络专项评议得分")] == "62.50（4 项评分）"
    assert dept[header.index("无数据项")] == "交办事项按期完成率"
    hostile = ws.cell(row=6 + list(rows).index(world.other_dept.name), column=1)
    assert hostile.value == world.other_dept.name and hostile.data_type == "s"
    assert hostile.quotePrefix
    definitions = [r[0] for r in wb["口径说明"].iter_rows(min_row=2, values_only=True)]
    assert "无数据时" in definitions and "回退率（反向计分）" in definitions

    response = client.get("/quarterly/sheet.pdf?quarter=2026Q4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "2026Q4.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in ("鲁西县部门季度测评表（2026年第四季度）", "市场监管局", "72.45", "62.50（4项评分）",
                     "33.33（1/3）", "网络专项评议得分15", "口径说明", "无数据时",
                     "=HYPERLINK(\"x\")<b>局"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True).stdout.decode()
    assert "WenQuanYi" in fonts or "wqy" in fonts.lower()
    assert "Helvetica" not in fonts


@pytest.mark.parametrize("role_name", ["handler", "head", "other_handler"])
def test_departments_cannot_reach_the_evaluation(client, login_as, world, role_name):
    login_as(getattr(world, role_name))
    for url in ("/quarterly/", "/quarterly/?quarter=2026Q4", "/quarterly/sheet.xlsx?quarter=2026Q4",
                "/quarterly/sheet.pdf?quarter=2026Q4", "/quarterly/weights",
                f"/quarterly/drill/round?quarter=2026Q4&department={world.dept.id}"):
        assert client.get(url).status_code == 403, url
    assert client.post("/quarterly/weights", data={}).status_code == 403


def test_other_roles_are_refused_and_anonymous_go_to_login(client, login_as, world, make_user):
    assert client.get("/quarterly/").status_code == 302
    for role in (Role.leader, Role.discipline, Role.social_supervisor):
        user = make_user(role)
        login_as(user)
        assert client.get("/quarterly/").status_code == 403, role
        client.post("/logout")
