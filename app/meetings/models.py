"""Dispatch meetings (党企月商会, 面对面, 12345周调度…): their agenda and the issues they assign."""
import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import StoredFile
from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


class MeetingType(db.Model):
    """A kind of meeting; five are seeded (migration 0080), the admin may add more."""

    __tablename__ = "meeting_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    chair: Mapped[str | None] = mapped_column(String(64))
    minutes: Mapped[str | None] = mapped_column(Text)  # 纪要
    agenda_built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    type = relationship("MeetingType")
    created_by = relationship("User")
    attendees = relationship("MeetingAttendee", back_populates="meeting",
                             order_by="MeetingAttendee.id", cascade="all, delete-orphan")
    agenda_items = relationship("AgendaItem", back_populates="meeting",
                                order_by="AgendaItem.position", cascade="all, delete-orphan")
    issues = relationship("MeetingIssue", back_populates="meeting",
                          order_by="MeetingIssue.position")
    attachments = relationship("MeetingAttachment", back_populates="meeting",
                               order_by="MeetingAttachment.id")


class AttendeeKind(enum.Enum):
    leader = "县领导"
    department = "部门"
    enterprise = "企业"

    @property
    def label(self):
        return self.value


class MeetingAttendee(db.Model):
    """One attendee by name; linked to the department or enterprise of that name if there is one."""

    __tablename__ = "meeting_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[AttendeeKind] = mapped_column(enum_column_type(AttendeeKind))
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))

    meeting = relationship("Meeting", back_populates="attendees")
    department = relationship("Department")
    enterprise = relationship("Enterprise")


class AgendaReason(enum.Enum):
    """Why a case is on the agenda, in the order the agenda lists them."""
    previous_open = "上次会议交办未办结"
    overdue = "逾期"
    escalated = "已催办或挂牌督办"
    unsatisfied = "差评"
    reopened = "重办"
    stuck = "久拖未决"
    manual = "调度员添加"

    @property
    def label(self):
        return self.value


class AgendaItem(db.Model):
    """One line of a meeting's agenda: a case (or a free-text point) the dispatcher kept."""

    __tablename__ = "meeting_agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    reason: Mapped[AgendaReason] = mapped_column(enum_column_type(AgendaReason))
    # Every rule the case met when the agenda was built, comma-separated names.
    reasons: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(String(500))  # a free-text point (no case)
    note: Mapped[str | None] = mapped_column(Text)  # the dispatcher's note for the meeting
    is_dropped: Mapped[bool] = mapped_column(default=False)

    meeting = relationship("Meeting", back_populates="agenda_items")
    case = relationship("Case")

    @property
    def reason_labels(self) -> list[str]:
        names = (self.reasons or self.reason.name).split(",")
        return [AgendaReason[n].label for n in names if n in AgendaReason.__members__]


class MeetingIssue(db.Model):
    """An issue the meeting assigned (定责任、定举措、定目标、定时限): one case of source `meeting`."""

    __tablename__ = "meeting_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    leader_name: Mapped[str] = mapped_column(String(64))  # 分包县领导
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # 责任单位
    measure: Mapped[str | None] = mapped_column(Text)  # 举措
    goal: Mapped[str | None] = mapped_column(Text)  # 目标
    due_on: Mapped[date] = mapped_column(Date)  # 时限
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting = relationship("Meeting", back_populates="issues")
    case = relationship("Case")
    leader = relationship("User")
    department = relationship("Department")


class MeetingAttachment(StoredFile, db.Model):
    """A photo or video kept with the minutes (the signed minutes, the meeting itself): stored
    like a case's attachment (app/media), served only to those who see the meeting."""

    __tablename__ = "meeting_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting = relationship("Meeting", back_populates="attachments")

    case_id = None  # not a case's file (app.media.views.send_attachment logs this)
