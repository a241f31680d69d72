"""The API's rating: a 差评 needs its reasons; the case shows its rating history, never the rater."""
from app.cases.models import CaseState


def test_rate_needs_reasons_and_the_history_shows_the_loop(api, make_case):
    case = make_case(CaseState.replied)
    refused = api.act(case.tracking_no, "rate", rating="very_dissatisfied", comment="太慢")
    assert refused.status_code == 400 and refused.get_json()["error"] == "reason_required"
    assert "原因" in refused.get_json()["message"]
    done = api.act(case.tracking_no, "rate", rating="very_dissatisfied", tags=["slow"])
    assert done.status_code == 200 and done.get_json()["state"] == "signed"
    body = api.get(f"/cases/{case.tracking_no}", as_="handler").get_json()
    [rating] = body["ratings"]
    assert rating["level"] == "very_dissatisfied" and rating["tags"] == ["slow"]
    assert rating["channel"] == "phone" and rating["callback"]["done"] is None
    assert rating["rework"]["due"] and rating["appeal"] is None
    assert body["rating"]["set_aside"] is False
    assert "13800138000" not in str(rating) and "dispatcher" not in str(rating)
