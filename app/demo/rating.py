"""The demo county's 差评 loop (docs/rating.md): the office called back the reworked cases'
enterprises two hours after their 差评 (or at the deadline), so the desk shows 回访 done on
the finished ones, while the case still in rework waits for its 回访."""
from datetime import timedelta

from app.rating.operations import record_callback

CALLBACK_NOTE = "已电话回访：企业说问题仍未解决，已请承办部门限期整改到位并答复。"


def call_back(case, dispatcher, latest):
    """Record the 回访 of the case's fresh 差评, no later than `latest` (the demo's now)."""
    at = min(case.complaint_at + timedelta(hours=2), case.callback_due_at, latest)
    return record_callback(case, dispatcher, True, CALLBACK_NOTE, now=max(at, case.complaint_at))
