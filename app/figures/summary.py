"""The work summary (工作总结): the county's account of a period, every number from data.

One function, `work_summary`, computes it for the CLI (`flask metrics summary`), the office
page (/figures/summary) and the API (GET /api/v1/summary). It defines no figure of its own:
the case figures come from `compute_figures` (app/figures/queries.py) narrowed by channel or
source, the mechanisms' figures from their own modules (rounds, meetings, bulletins, field),
and every number names its drill-down list — the same predicate or query that counted it.
The text follows the office's own account (docs/figures.md, 工作总结)."""
from datetime import date, timedelta

from app.bulletins.queries import adopted_cases, bulletin_figures, bulletins_issued
from app.core.clock import local_today, utcnow
from app.field.queries import field_figures, visits_made
from app.figures import queries
from app.meetings.queries import issue_cases, meeting_figures, meetings_held
from app.rounds.queries import round_figures, rounds_in_period, suggestion_cases

PARTY_MEETING = "party_business"  # 党企月商会
# Coverage counts pairs × periods, not rows: its detail (per 包联 leader, per service team) is
# the ledger's 走访与监督 sheet for the same period (app/field/ledger.py).
LEDGER_LINK = {"view": "ledger"}

# The drill-down lists of the mechanisms' numbers: name → (title, query builder, kind).
# "cases" lists cases (one per suggestion or issue), "rounds", "meetings", "bulletins" and
# "visits" list those records. Each builder is the query the figure itself counts.
LISTS = {
    "rounds_held": ("开展网络专项评议", lambda a, b, t=None: rounds_in_period(a, b), "rounds"),
    "suggestions_collected": ("网络专项评议收集的意见建议",
                              lambda a, b, t=None: suggestion_cases(a, b), "cases"),
    "suggestions_solved": ("网络专项评议推动解决的问题",
                           lambda a, b, t=None: suggestion_cases(a, b, solved=True), "cases"),
    "meetings_held": ("召开的会议", lambda a, b, t=None: meetings_held(a, b, t), "meetings"),
    "issues_assigned": ("会议交办的问题", lambda a, b, t=None: issue_cases(a, b, t), "cases"),
    "bulletins_issued": ("编报的《代表声音》", lambda a, b, t=None: bulletins_issued(a, b),
                         "bulletins"),
    "suggestions_adopted": ("《代表声音》采用的代表意见建议",
                            lambda a, b, t=None: adopted_cases(a, b), "cases"),
    "visits": ("入企走访", lambda a, b, t=None: visits_made(a, b), "visits"),
}


def _count(key, value, label, link):
    return {"key": key, "label": label, "kind": "count", "value": value, "numerator": value,
            "denominator": None, "rate": None, "display": str(value), "link": link}


def _rate(key, label, numerator, denominator, link, denominator_link=None):
    rate = queries.truncated_rate(numerator, denominator)
    # The office writes a whole percentage without decimals (100%, not 100.00%); the rate
    # itself stays the truncated two-decimal figure.
    shown = rate.removesuffix(".00") if rate is not None else None
    return {"key": key, "label": label, "kind": "rate", "value": rate, "numerator": numerator,
            "denominator": denominator, "rate": rate,
            "display": f"{shown}%" if rate is not None else queries.EMPTY, "link": link,
            "denominator_link": denominator_link}


def _case_link(figure, part="numerator", **filters):
    return {"view": "cases", "figure": figure, "part": part, **filters}


def _from_figure(key, label, value, figure, **filters):
    """A summary number from one figure of compute_figures, with its drill-down links."""
    if value["kind"] == "rate":
        return _rate(key, label, value["numerator"], value["denominator"],
                     _case_link(figure, "numerator", **filters),
                     _case_link(figure, "denominator", **filters))
    return _count(key, value["numerator"], label, _case_link(figure, **filters))


def work_summary(date_from: date, date_to: date, now=None) -> dict:
    """Every number of the work summary for [date_from, date_to) local dates."""
    now = now or utcnow()
    qr = queries.compute_figures(date_from, date_to, now=now, filters={"channel": "qr"},
                                 with_median=False, names=("received", "closure"))["figures"]
    hotline = queries.compute_figures(date_from, date_to, now=now, filters={"source": "hotline"},
                                      with_median=False,
                                      names=("received", "on_time_sign", "reply",
                                             "satisfaction"))["figures"]
    rounds = round_figures(date_from, date_to)
    meetings = meeting_figures(date_from, date_to)
    bulletins = bulletin_figures(date_from, date_to)
    field = field_figures(date_from, date_to, today=local_today(now))
    party = next((g for g in meetings["by_type"] if g["type"] == PARTY_MEETING),
                 {"label": "党企月商会", "meetings_held": 0, "issues_assigned": 0})

    def listed(name, value, label, type_code=None):
        link = {"view": "list", "list": name}
        if type_code:
            link["type"] = type_code
        return _count(name if not type_code else f"{name}__{type_code}", value, label, link)

    numbers = [
        _from_figure("qr_received", "受理群众反馈问题", qr["received"], "received", channel="qr"),
        _count("qr_closed", qr["closure"]["numerator"], "已办结",
               _case_link("closure", "numerator", channel="qr")),
        _from_figure("qr_closure_rate", "办结率", qr["closure"], "closure", channel="qr"),
        _from_figure("hotline_received", "12345热线受理", hotline["received"], "received",
                     source="hotline"),
        _from_figure("hotline_on_time_sign", "按期签收率", hotline["on_time_sign"], "on_time_sign",
                     source="hotline"),
        _from_figure("hotline_reply", "回复率", hotline["reply"], "reply", source="hotline"),
        _from_figure("hotline_satisfaction", "办件满意率", hotline["satisfaction"], "satisfaction",
                     source="hotline"),
        listed("rounds_held", rounds["rounds_held"], "开展网络专项评议（次）"),
        listed("suggestions_collected", rounds["suggestions_collected"], "收集意见建议（条）"),
        listed("suggestions_solved", rounds["suggestions_solved"], "推动解决问题（个）"),
        listed("meetings_held", party["meetings_held"], "召开党企月商会（次）", PARTY_MEETING),
        listed("issues_assigned", party["issues_assigned"], "党企月商会交办问题（项）",
               PARTY_MEETING),
        listed("meetings_held", meetings["totals"]["meetings_held"], "召开各类会议（次）"),
        listed("issues_assigned", meetings["totals"]["issues_assigned"], "各类会议交办问题（项）"),
        *[number for g in meetings["by_type"] if g["type"] != PARTY_MEETING for number in (
            listed("meetings_held", g["meetings_held"], f"召开{g['label']}（次）", g["type"]),
            listed("issues_assigned", g["issues_assigned"], f"{g['label']}交办问题（项）",
                   g["type"]))],
        listed("bulletins_issued", bulletins["bulletins_issued"], "编报《代表声音》（期）"),
        listed("suggestions_adopted", bulletins["suggestions_adopted"], "采用代表意见建议（件）"),
        listed("visits", field["visits"], "入企走访（次）"),
        _rate("office_week_coverage", "一线办公周走访覆盖率",
              field["office_week_coverage"]["visited"], field["office_week_coverage"]["planned"],
              LEDGER_LINK),
        _rate("team_coverage", "服务团10天3次完成率", field["team_coverage"]["visited"],
              field["team_coverage"]["planned"], LEDGER_LINK),
    ]
    by_key = {n["key"]: n for n in numbers}
    start, end = queries.period_bounds(date_from, date_to)
    return {"period": {"from": date_from.isoformat(), "to": date_to.isoformat(),
                       "last_day": (date_to - timedelta(days=1)).isoformat(),
                       "to_exclusive": True, "timezone": str(queries.LOCAL_TZ),
                       "start_utc": start.isoformat(), "end_utc": end.isoformat()},
            "closure_basis": qr["closure"].get("note"),
            "qr_sources": [s.name for s in queries.CHANNELS["qr"]],
            "numbers": by_key,
            "meetings_by_type": [{"type": g["type"], "label": g["label"],
                                  "meetings_held": g["meetings_held"],
                                  "issues_assigned": g["issues_assigned"]}
                                 for g in meetings["by_type"]],
            "paragraphs": _paragraphs(by_key, meetings["by_type"], date_from, date_to)}


def _paragraphs(n: dict, by_type: list, date_from: date, date_to: date) -> list[list]:
    """The account as paragraphs of parts: plain text (str) or a number's key. The page links
    each number; the CLI prints its display."""
    last_day = date_to - timedelta(days=1)
    others = [g for g in by_type if g["type"] != PARTY_MEETING and g["meetings_held"]]
    meetings = ["召开了", "meetings_held__" + PARTY_MEETING, "次党企月商会，交办了",
                "issues_assigned__" + PARTY_MEETING, "项问题"]
    for g in others:
        meetings += [f"；召开{g['label']}", f"meetings_held__{g['type']}", "次，交办问题",
                     f"issues_assigned__{g['type']}", "项"]
    if others:
        meetings += ["；各类会议共", "meetings_held", "次，交办问题", "issues_assigned", "项"]
    meetings.append("。")
    return [
        [f"{date_from:%Y年%-m月%-d日}至{last_day:%Y年%-m月%-d日}，"
         "「您码上说，我马上办」社情民意服务平台共受理群众反馈问题", "qr_received", "件，已办结",
         "qr_closed", "件，办结率", "qr_closure_rate", "。"],
        ["“12345”政务服务热线受理群众诉求", "hotline_received", "件，按期签收率",
         "hotline_on_time_sign", "，回复率", "hotline_reply", "，办件满意率",
         "hotline_satisfaction", "。"],
        ["开展网络专项评议", "rounds_held", "次，收集意见建议", "suggestions_collected",
         "条，推动解决问题", "suggestions_solved", "个。"],
        meetings,
        ["县人大常委会编报《代表声音》", "bulletins_issued", "期，采用代表意见建议",
         "suggestions_adopted", "件。"],
        ["入企走访", "visits", "次，一线办公周走访覆盖率", "office_week_coverage",
         "，服务团“10天3次”完成率", "team_coverage", "。"],
    ]


def summary_text(summary: dict) -> str:
    """The account as plain text, one paragraph a line (the CLI's output)."""
    numbers = summary["numbers"]
    return "\n".join("".join(numbers[part]["display"] if part in numbers else part
                             for part in paragraph)
                     for paragraph in summary["paragraphs"])


def summary_json(summary: dict) -> dict:
    """The summary for JSON (API, CLI --json): every number with numerator and denominator,
    the text, without the page's link specs."""
    numbers = {key: {k: v for k, v in n.items() if k not in ("link", "denominator_link", "key")}
               for key, n in summary["numbers"].items()}
    return {"period": summary["period"], "closure_basis": summary["closure_basis"],
            "qr_sources": summary["qr_sources"], "numbers": numbers,
            "meetings_by_type": summary["meetings_by_type"], "text": summary_text(summary)}


def list_query(name: str, date_from: date, date_to: date, type_code: str | None = None):
    """The query behind a mechanism number's drill-down list (KeyError for an unknown name)."""
    title, build, kind = LISTS[name]
    return title, build(date_from, date_to, type_code), kind
