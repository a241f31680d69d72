"""The scheduler's monthly-analysis job: remind a department in the last days before its
area analysis is due, and once it is overdue tell it and the office that requested it.

Safe to run in two processes at once and again and again: each reminder is a Notification
keyed on (kind, recipient, the due day's end), so the unique key lets one reminder and one
overdue notice through per person and request (app/reminders/notify.py)."""
from datetime import datetime

from app.areas import queries
from app.areas.operations import analysis_recipients
from app.auth.models import User
from app.core.clock import local_today, utcnow
from app.extensions import db
from app.field.reminders import REMIND_DAYS_BEFORE, _end_of
from app.reminders.notify import Message, queue_notifications


def _label(analysis) -> str:
    year, month = analysis.month.split("-")
    return f"{year}年{int(month)}月{analysis.area.name}领域营商环境分析"


def _messages(today) -> list[Message]:
    messages = []
    for analysis in queries.unanswered_requests():
        left = (analysis.due_on - today).days
        link = f"/areas/analyses/{analysis.id}"
        deadline = _end_of(analysis.due_on)
        if 0 <= left <= REMIND_DAYS_BEFORE:
            messages.append(Message(
                "area_analysis_due", analysis_recipients(analysis), deadline_at=deadline,
                link=link, title=f"{_label(analysis)}将于{analysis.due_on:%m月%d日}截止，尚未提交",
                body="请填写短板弱项和举措后提交。"))
        elif left < 0:
            requester = db.session.get(User, analysis.requested_by_id) \
                if analysis.requested_by_id else None
            office = [requester] if requester is not None and requester.is_active else []
            messages.append(Message(
                "area_analysis_overdue", analysis_recipients(analysis) + office,
                deadline_at=deadline, link=link,
                title=f"{_label(analysis)}已逾期未提交（{analysis.department.name}）",
                body=f"截止日期{analysis.due_on:%m月%d日}已过，请尽快填报。"))
    return messages


def remind_area_analyses(now: datetime | None = None) -> int:
    """One run of the analysis reminders at `now`; returns the notifications created."""
    now = now or utcnow()
    messages = _messages(local_today(now))
    created = queue_notifications(messages, now=now) if messages else []
    db.session.commit()
    return len(created)
