"""The month's 党企月商会 in headless Chromium (CSRF on): a dispatcher builds the agenda,
enters five issues with leaders and deadlines, exports the 问题建议清单, and the next
meeting's agenda shows what became of them. Takes the agenda screenshot under docs/."""
from datetime import datetime, timedelta, timezone
from io import BytesIO

from openpyxl import load_workbook

from app.cases import operations as case_ops
from app.cases.models import CaseSource, CaseState, Rating
from app.extensions import db
from app.meetings.models import Meeting
from tests.conftest import browser_login, screenshots_dir

# Monday of the fourth week of November 2026, 09:00 in the county.
FOURTH_MONDAY = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
ISSUES = [
    ("临清市清源饮品有限公司", "新上变压器三周未接电，设备闲置", "王县长", "市场监管局", "协调供电公司现场办公", "12月10日前通电", "2026-12-10"),
    ("山东鲁南轴承有限公司", "技改项目设备更新贷款审批慢", "李副县长", "税务局", "组织银企对接会", "月底前放款", "2026-12-15"),
    ("临清三和纺织有限公司", "招聘熟练挡车工困难", "王县长", "市场监管局", "人社部门专场招聘", "招聘30人", "2026-12-20"),
    ("临清宏达物流有限公司", "园区配套道路破损影响货车通行", "赵副县长", "税务局", "纳入年度维修计划", "年底前修复", "2026-12-31"),
    ("临清华信电子有限公司", "申报高新技术企业需要辅导", "李副县长", "市场监管局", "科技部门上门辅导", "完成申报", "2026-12-18"),
]


def seed(world, make_case, make_enterprise):
    """What the agenda finds: an overdue case, an urged one, a reopened one (差评)."""
    for name, *_ in ISSUES:
        make_enterprise(name=name)
    old = FOURTH_MONDAY - timedelta(days=20)
    make_case(CaseState.signed, now=old, content="企业反映的厂房消防验收迟迟未办结")
    urged = make_case(CaseState.signed, now=FOURTH_MONDAY - timedelta(days=2),
                      source=CaseSource.hotline, content="12345转来：施工噪音扰民且影响企业生产")
    case_ops.urge_case(urged, world.dispatcher, note="请加快办理", now=FOURTH_MONDAY - timedelta(days=1))
    bad = make_case(CaseState.replied, now=FOURTH_MONDAY - timedelta(days=5),
                    content="企业用水报装手续繁琐，反复提交材料")
    case_ops.rate_case(bad, Rating.dissatisfied, "还是要跑三趟", now=FOURTH_MONDAY - timedelta(days=3),
                       tags=["unresolved"])
    db.session.commit()


def test_dispatcher_builds_the_monthly_meeting_enters_five_issues_and_sees_their_states_next_time(
        desk_page, live_server, world, make_case, make_enterprise, fixed_clock):
    fixed_clock.set(FOURTH_MONDAY)
    world.dispatcher.display_name = "李明"
    seed(world, make_case, make_enterprise)
    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    page.click("text=会议调度")

    # 1. The month's meeting, in the fourth week, and its generated agenda.
    form = page.locator("#new-meeting")
    form.locator("select[name=type]").select_option(label="党企月商会")
    form.locator("input[name=held_on]").fill("2026-11-26")
    form.locator("input[name=chair]").fill("县委书记 张华")
    form.locator("textarea[name=leaders]").fill("王县长、李副县长、赵副县长")
    form.locator("textarea[name=enterprises]").fill("\n".join(i[0] for i in ISSUES))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#build-agenda")
    page.click("#build-agenda")
    page.wait_for_selector("#agenda-items tbody tr[data-reason]")
    agenda = page.locator("#agenda-items").inner_text()
    assert "消防验收" in agenda and "施工噪音" in agenda and "用水报装" in agenda
    assert "逾期" in agenda and "差评" in agenda and "已催办或挂牌督办" in agenda

    # The dispatcher drops the hotline case (the weekly 12345 review has it) and adds a note.
    noise = page.locator("#agenda-items tr", has_text="施工噪音")
    noise.locator("button[value=drop]").click()
    page.wait_for_selector("#dropped-items")
    assert "施工噪音" not in page.locator("#agenda-items").inner_text()
    water = page.locator("#agenda-items tr", has_text="用水报装")
    water.locator("input[name=note]").fill("请市场监管局说明整改情况")
    water.locator("button[value=note]").click()
    page.wait_for_selector("#agenda-items input[value='请市场监管局说明整改情况']")

    # 2. Five issues with their leaders, departments, measures, goals and deadlines.
    for n, (firm, content, leader, department, measure, goal, due) in enumerate(ISSUES):
        page.fill(f"input[name=enterprise-{n}]", firm)
        page.fill(f"textarea[name=content-{n}]", content)
        page.fill(f"input[name=leader-{n}]", leader)
        page.select_option(f"select[name=department-{n}]", label=department)
        page.fill(f"input[name=measure-{n}]", measure)
        page.fill(f"input[name=goal-{n}]", goal)
        page.fill(f"input[name=due-{n}]", due)
    page.click("#save-issues")
    page.wait_for_selector("#meeting-issues tbody tr:nth-child(5)")
    issues_table = page.locator("#meeting-issues").inner_text()
    assert issues_table.count("待签收") == 5 and "2026-12-10" in issues_table

    # 3. The 清单 exported as a workbook.
    with page.expect_download() as download:
        page.click("#issues-xlsx")
    ws = load_workbook(BytesIO(open(download.value.path(), "rb").read())).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == [i[0] for i in ISSUES]
    assert [(r[3], r[4], r[7]) for r in rows] == [(i[2], i[3], i[6]) for i in ISSUES]
    page.screenshot(path=str(screenshots_dir() / "meeting-agenda.png"), full_page=True)

    # 4. A month on, the departments have worked: one solved, one answered, one returned.
    db.session.expire_all()
    meeting = db.session.execute(db.select(Meeting)).scalar_one()
    cases = [issue.case for issue in meeting.issues]
    fixed_clock.set(FOURTH_MONDAY + timedelta(hours=3))
    case_ops.return_case(cases[1], world.other_handler, "贷款审批不属于税务局职责")
    fixed_clock.set(FOURTH_MONDAY + timedelta(days=3, hours=2))
    case_ops.sign_case(cases[0], world.handler)
    case_ops.reply_to_case(cases[0], world.handler, "已现场协调，变压器已通电")
    case_ops.rate_case(cases[0], Rating.very_satisfied)
    case_ops.sign_case(cases[2], world.handler)
    case_ops.reply_to_case(cases[2], world.handler, "已组织专场招聘会")
    db.session.commit()
    fixed_clock.set(datetime(2026, 12, 21, 1, 0, tzinfo=timezone.utc))

    page.goto("/meetings/")
    form = page.locator("#new-meeting")
    form.locator("select[name=type]").select_option(label="党企月商会")
    form.locator("input[name=held_on]").fill("2026-12-24")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#build-agenda")
    page.click("#build-agenda")
    page.wait_for_selector("#previous-issues")
    previous = page.locator("#previous-issues tbody tr")
    states = [previous.nth(n).locator("td[data-label=当前状态]").inner_text().strip()
              for n in range(5)]
    assert states[0] == "已办结" and states[1] == "已退回" and states[2] == "已答复"
    assert states[3].startswith("待签收") and "逾期" in states[3]  # signing was due long ago
    agenda = page.locator("#agenda-items").inner_text()
    # the unsettled issues are back on the agenda, the solved one is not
    assert "上次会议交办未办结" in agenda
    assert ISSUES[1][1] in agenda and ISSUES[3][1] in agenda and ISSUES[0][1] not in agenda
    page.screenshot(path=str(screenshots_dir() / "meeting-next-agenda.png"), full_page=True)
