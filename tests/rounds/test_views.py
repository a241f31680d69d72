"""The round pages over HTTP: the card page's banner, answering from the card and the link,
the office's results, the departments' anonymous view, and the figures in the API."""
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
from app.intake.queries import public_card
from app.rounds import operations as ops
from app.rounds.models import RoundAnswer
from tests.api.conftest import api, tokens  # noqa: F401  (fixtures)
from tests.conftest import valid_credit_code
from tests.rounds.test_operations import ratings


def test_card_page_shows_a_banner_only_while_a_round_is_open(client, open_round, make_card, world):
    card = make_card()
    assert "参加评议" not in client.get(f"/q/{card.token}").get_data(as_text=True)
    round_ = open_round()
    page = client.get(f"/q/{card.token}").get_data(as_text=True)
    assert "参加评议：2026年第四季度网络专项评议" in page
    assert f"/q/{card.token}/rounds/{round_.id}" in page
    ops.close_round(round_, world.dispatcher)
    db.session.commit()
    assert "参加评议" not in client.get(f"/q/{card.token}").get_data(as_text=True)


def test_answering_from_the_card_twice_changes_the_one_answer(client, open_round, make_card):
    round_ = open_round()
    card = make_card()
    url = f"/q/{card.token}/rounds/{round_.id}"
    response = client.post(url, data=ratings(round_, "satisfied"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "评议已保存" in page and "修改评议" in page
    assert client.post(url, data=ratings(round_, "dissatisfied")).status_code == 302
    assert db.session.execute(select(func.count(RoundAnswer.id))).scalar() == 1
    page = client.get(url).get_data(as_text=True)
    assert "贵企业已参加本轮评议" in page and 'value="dissatisfied" checked' in page


def test_public_form_names_every_error_and_keeps_the_input(client, open_round):
    round_ = open_round()
    response = client.post(f"/r/{round_.public_token}", data={
        "enterprise_name": "无码企业", "credit_code": "123", "suggestion": "希望改进服务"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "统一社会信用代码应为18位" in page and "请至少为一个部门打分" in page
    assert "请选择意见建议的类别" in page and 'value="无码企业"' in page and "希望改进服务" in page


def test_round_link_refuses_a_second_answer_for_the_same_credit_code(app, open_round):
    round_ = open_round()
    data = dict(ratings(round_), enterprise_name="无码企业", credit_code=valid_credit_code(99))
    first, second = app.test_client(), app.test_client()
    assert first.post(f"/r/{round_.public_token}", data=data).status_code == 302
    refused = second.post(f"/r/{round_.public_token}", data=data)
    assert refused.status_code == 409 and "已参加本轮评议" in refused.get_data(as_text=True)
    # The browser that answered sees and changes its own answer.
    assert "修改评议" in first.get(f"/r/{round_.public_token}").get_data(as_text=True)
    assert first.post(f"/r/{round_.public_token}", data=data).status_code == 302
    assert db.session.execute(select(func.count(RoundAnswer.id))).scalar() == 1


def test_a_closed_round_page_takes_no_answer(client, open_round, make_card, world):
    round_ = open_round()
    card = make_card()
    ops.close_round(round_, world.dispatcher)
    db.session.commit()
    url = f"/q/{card.token}/rounds/{round_.id}"
    assert "本轮评议已结束" in client.get(url).get_data(as_text=True)
    assert client.post(url, data=ratings(round_)).status_code == 409


def _answers(round_, make_card, n, level="satisfied"):
    names = []
    for _ in range(n):
        card = make_card()
        names.append(card.enterprise.name)
        ops.save_answer(round_, ratings(round_, level), card=public_card(card.token))
    db.session.commit()
    return names


def test_department_sees_only_its_own_aggregates_with_a_minimum_count(
        client, login_as, open_round, make_card, world):
    round_ = open_round()
    names = _answers(round_, make_card, 2)
    login_as(world.head)
    assert client.get(f"/rounds/{round_.id}").status_code == 403  # not while the round is open
    ops.close_round(round_, world.dispatcher)
    db.session.commit()
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "不足3份" in page and "75.0" not in page
    assert world.other_dept.name not in page
    assert not any(name in page for name in names)


def test_department_sees_averages_from_three_answers_but_never_who_gave_them(
        client, login_as, open_round, make_card, world):
    round_ = open_round()
    names = _answers(round_, make_card, 3)
    ops.close_round(round_, world.dispatcher)
    db.session.commit()
    login_as(world.head)
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "75.0" in page and "不足3份" not in page
    assert not any(name in page for name in names) and "参评情况" not in page
    client.post("/logout")
    login_as(world.other_handler)  # 税务局 is evaluated too, but sees only its own row
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert world.dept.name not in page


def test_office_opens_closes_and_reads_the_results(client, login_as, open_round, make_card, world,
                                                  fixed_clock):
    open_round()  # sets the clock
    login_as(world.dispatcher)
    refused = client.post("/rounds/", data={"title": "新一轮", "starts_on": "2026-11-02",
                                            "ends_on": "2026-11-30", "dimensions": "服务效率"})
    assert refused.status_code == 400 and "请至少选择一个被评议部门" in refused.get_data(as_text=True)
    response = client.post("/rounds/", data={
        "title": "新一轮", "starts_on": "2026-11-03", "ends_on": "2026-11-30",
        "dimensions": "服务效率\n政策落实", "departments": [str(world.dept.id)]})
    assert response.status_code == 302
    url = response.headers["Location"]
    assert client.get(url.rstrip("/") + "/qr.svg").mimetype == "image/svg+xml"
    assert client.post(url + "/close").status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "已结束" in page and "参评情况" in page and "政策落实" in page
    client.post("/logout")
    login_as(world.handler)
    assert client.post(url + "/close").status_code == 403


def test_figures_api_counts_the_rounds(api, open_round, make_card):
    round_ = open_round()
    _answers(round_, make_card, 2)
    figures = api.get("/figures?from=2026-11-01&to=2026-12-01").json["mechanisms"]["rounds"]
    assert figures == {"rounds_held": 1, "answers": 2, "suggestions_collected": 0,
                       "suggestions_solved": 0, "solved_rate": None}


def test_round_pages_are_never_stored(client, open_round, make_card):
    round_ = open_round()
    card = make_card()
    for url in (f"/q/{card.token}/rounds/{round_.id}", f"/r/{round_.public_token}"):
        assert "no-store" in client.get(url).headers["Cache-Control"]


def test_a_department_lists_only_the_closed_rounds_that_evaluated_it(
        client, login_as, open_round, world, make_department):
    mine = open_round(title="本部门已结束的评议")
    open_round(title="进行中的评议")
    open_round(title="未评议本部门", departments=[make_department()])
    ops.close_round(mine, world.dispatcher)
    db.session.commit()
    login_as(world.handler)
    page = client.get("/rounds/").get_data(as_text=True)
    assert "本部门已结束的评议" in page
    assert "进行中的评议" not in page and "未评议本部门" not in page and "发起评议" not in page


def test_the_browser_that_made_a_suggestion_follows_its_case(client, open_round, make_card):
    round_ = open_round()
    card = make_card()
    url = f"/q/{card.token}/rounds/{round_.id}"
    client.post(url, data=dict(ratings(round_), suggestion="建议延长办税大厅午间服务时间",
                               category="tax"))
    (case,) = db.session.execute(select(Case)).scalars()
    page = client.get(url).get_data(as_text=True)
    assert "已提出意见建议1条" in page and f"/t/{case.tracking_no}" in page
    assert case.tracking_no in client.get("/t/mine.json").get_data(as_text=True)
    assert "建议延长办税大厅午间服务时间" in client.get(f"/t/{case.tracking_no}").get_data(as_text=True)
