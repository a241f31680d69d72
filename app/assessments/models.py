"""社会监督员 现场测评: a social supervisor's assessment of a department's service window
(体验式办事, three scores, notes, photos, the findings that became cases), and the office's
campaigns asking every supervisor to assess every functional department in a period."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import RATING_SCORES, Rating, StoredFile
from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db

SCORES = RATING_SCORES  # a 好差评 level as a score out of 100, as the rounds score it
# The three dimensions assessed: (column, label).
DIMENSIONS = (("efficiency", "服务效率"), ("process", "服务流程"), ("attitude", "服务态度"))


class AssessmentCampaign(db.Model):
    """The office asks every social supervisor to assess each of the campaign's departments
    (the functional departments when it was opened) between starts_on and ends_on
    (inclusive)."""

    __tablename__ = "assessment_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the demo
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by = relationship("User")
    targets = relationship("CampaignDepartment", back_populates="campaign",
                           order_by="CampaignDepartment.id")

    def is_running_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class CampaignDepartment(db.Model):
    """A department a campaign asks to be assessed (kept as opened: a department added or
    stopped later does not change an old campaign)."""

    __tablename__ = "campaign_departments"
    __table_args__ = (UniqueConstraint("campaign_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("assessment_campaigns.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))

    campaign = relationship("AssessmentCampaign", back_populates="targets")
    department = relationship("Department")


class Assessment(db.Model):
    """One 现场测评: a supervisor handled a matter at a department's window on a date and
    rated its efficiency, process and attitude on the five 好差评 levels."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date, index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_campaigns.id"),
                                                    index=True)
    matter: Mapped[str] = mapped_column(Text)  # 体验式办事: what they did, as typed
    efficiency: Mapped[Rating] = mapped_column(enum_column_type(Rating))
    process: Mapped[Rating] = mapped_column(enum_column_type(Rating))
    attitude: Mapped[Rating] = mapped_column(enum_column_type(Rating))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor = relationship("User")
    department = relationship("Department")
    campaign = relationship("AssessmentCampaign")
    photos = relationship("AssessmentPhoto", back_populates="assessment",
                          order_by="AssessmentPhoto.id")
    case_links = relationship("AssessmentCase", back_populates="assessment",
                              order_by="AssessmentCase.id")

    def score(self, dimension: str) -> int:
        return SCORES[getattr(self, dimension)]


class AssessmentPhoto(StoredFile, db.Model):
    """A photo of an assessment."""

    __tablename__ = "assessment_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment = relationship("Assessment", back_populates="photos")


class AssessmentCase(db.Model):
    """A finding of an assessment: the case it became (source `supervisor`)."""

    __tablename__ = "assessment_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)

    assessment = relationship("Assessment", back_populates="case_links")
    case = relationship("Case")
