"""The scheduler's 现场测评 job: in a campaign's last days, remind each social supervisor who
still has departments to assess.

Safe to run in two processes at once and again and again: each reminder is a Notification
keyed on (kind, recipient, the campaign's end), so the unique key lets one through per
supervisor and campaign end (app/reminders/notify.py)."""
from datetime import datetime

from app.assessments import queries
from app.core.clock import local_today, utcnow
from app.extensions import db
from app.field.reminders import REMIND_DAYS_BEFORE, _end_of
from app.reminders.notify import Message, queue_notifications

SHOWN = 8  # departments named in the message; the rest counted


def _messages(today) -> list[Message]:
    messages = []
    for campaign in queries.running_campaigns(today):
        if (campaign.ends_on - today).days > REMIND_DAYS_BEFORE:
            continue
        for row in queries.campaign_matrix(campaign).unfinished:
            if not row.supervisor.is_active:
                continue
            names = [d.name for d in row.left]
            more = f"等{len(names)}个部门" if len(names) > SHOWN else ""
            messages.append(Message(
                "assessment_campaign", [row.supervisor], deadline_at=_end_of(campaign.ends_on),
                link="/assessments/new",
                title=f"{campaign.title}将于{campaign.ends_on:%m月%d日}结束，您还有{len(names)}个部门未测评",
                body="未测评：" + "、".join(names[:SHOWN]) + more))
    return messages


def remind_assessments(now: datetime | None = None) -> int:
    """One run of the campaign reminders at `now`; returns the notifications created."""
    now = now or utcnow()
    messages = _messages(local_today(now))
    created = queue_notifications(messages, now=now) if messages else []
    db.session.commit()
    return len(created)
