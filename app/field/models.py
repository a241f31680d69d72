"""Field records: who looks after which enterprise (with history), the service teams, the
visits and what they found, help measures (一企一策) and supervision visits (纪委监委)."""
import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import AttachmentKind
from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


def running_between(model, first: date, last: date | None = None):
    """SQL: rows of `model` (starts_on/ends_on, ends_on inclusive or None) running on some day
    of [first, last] (on `first` alone when `last` is None)."""
    return and_(model.starts_on <= (last or first),
                or_(model.ends_on.is_(None), model.ends_on >= first))


class ServiceAssignment(db.Model):
    """One 包联 pair: an enterprise, its county leader, the responsible department and the
    liaison (联络员), from `starts_on` to `ends_on` (inclusive; None while it runs).
    Ending an assignment sets ends_on; rows are never deleted, so the history stays."""

    __tablename__ = "service_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    liaison_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enterprise = relationship("Enterprise")
    leader = relationship("User", foreign_keys=[leader_id])
    department = relationship("Department")
    liaison = relationship("User", foreign_keys=[liaison_id])

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ServiceTeam(db.Model):
    """A team of the 7+N 企业流动服务团: led by one of the 7 lead departments (is_lead) or by
    one of the N enterprise-related departments."""

    __tablename__ = "service_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department = relationship("Department")
    memberships = relationship("TeamMembership", back_populates="team",
                               order_by="TeamMembership.id")

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class TeamMembership(db.Model):
    """A person in a service team from `starts_on` to `ends_on` (inclusive; None: still in)."""

    __tablename__ = "service_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("service_teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    team = relationship("ServiceTeam", back_populates="memberships")
    user = relationship("User")

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class VisitLevel(enum.Enum):
    county = "县级"
    department = "部门"
    financial = "金融机构"
    township = "乡镇"

    @property
    def label(self):
        return self.value


class Visit(db.Model):
    """A visit (走访) to an enterprise: who went, on which level, what was heard."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    level: Mapped[VisitLevel] = mapped_column(enum_column_type(VisitLevel))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("service_teams.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    companions: Mapped[str | None] = mapped_column(String(300))  # 同行人员, as typed
    heard: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enterprise = relationship("Enterprise")
    team = relationship("ServiceTeam")
    recorded_by = relationship("User")
    participants = relationship("VisitParticipant", back_populates="visit",
                                order_by="VisitParticipant.id")
    photos = relationship("VisitPhoto", back_populates="visit", order_by="VisitPhoto.id")
    case_links = relationship("VisitCase", back_populates="visit", order_by="VisitCase.id")


class VisitParticipant(db.Model):
    """A user who went on a visit (the recorder always; the 包联 leader when with them)."""

    __tablename__ = "visit_participants"
    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    visit = relationship("Visit", back_populates="participants")
    user = relationship("User")


class PhotoColumns:
    """What a stored photo row holds (PreparedMedia.as_row()): a visit's, an assessment's
    (app/assessments) — the same checked, stored media as a case attachment."""

    kind: Mapped[AttachmentKind] = mapped_column(enum_column_type(AttachmentKind))
    stored_name: Mapped[str] = mapped_column(String(200))
    poster_name: Mapped[str | None] = mapped_column(String(200))
    original_name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VisitPhoto(PhotoColumns, db.Model):
    """A photo of a visit."""

    __tablename__ = "visit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)

    visit = relationship("Visit", back_populates="photos")


class VisitCase(db.Model):
    """An issue found on a visit: the case it became (source `visit`)."""

    __tablename__ = "visit_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)

    visit = relationship("Visit", back_populates="case_links")
    case = relationship("Case")


class ItemState(enum.Enum):
    open = "进行中"
    done = "已完成"

    @property
    def label(self):
        return self.value


class HelpMeasure(db.Model):
    """One measure of an enterprise's 一企一策 help plan: an owner, a due date, open or done."""

    __tablename__ = "help_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[ItemState] = mapped_column(enum_column_type(ItemState), default=ItemState.open)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_note: Mapped[str | None] = mapped_column(String(500))

    enterprise = relationship("Enterprise")
    visit = relationship("Visit")
    owner_department = relationship("Department")
    owner_user = relationship("User", foreign_keys=[owner_user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])


class SupervisionKind(enum.Enum):
    covert = "暗访"
    survey = "调研"
    experience = "体验式"

    @property
    def label(self):
        return self.value


class SupervisionVisit(db.Model):
    """A 纪委监委 走访调研式监督 visit to a service unit (a department)."""

    __tablename__ = "supervision_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SupervisionKind] = mapped_column(enum_column_type(SupervisionKind))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    department = relationship("Department")
    recorded_by = relationship("User")
    findings = relationship("SupervisionFinding", back_populates="visit",
                            order_by="SupervisionFinding.id")


class FindingOutcome(enum.Enum):
    noted = "仅记录"
    case = "转为案件"
    clue = "问题线索"

    @property
    def label(self):
        return self.value


class SupervisionFinding(db.Model):
    """A finding of a supervision visit: noted, turned into a case, or a 问题线索 with its own
    owner (department, optionally a person) and due date, open until closed with a result."""

    __tablename__ = "supervision_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("supervision_visits.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[FindingOutcome] = mapped_column(enum_column_type(FindingOutcome),
                                                    default=FindingOutcome.noted)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    state: Mapped[ItemState | None] = mapped_column(enum_column_type(ItemState))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit = relationship("SupervisionVisit", back_populates="findings")
    case = relationship("Case")
    owner_department = relationship("Department")
    owner_user = relationship("User")
