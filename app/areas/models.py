"""营商环境月分析: the 12 areas the office keeps, the case categories mapped to them, the
monitoring-point enterprises (监测点企业), and each month's written analysis a responsible
department gives of its area (短板弱项, 举措) at the office's request."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db

# The label of the cases whose category no area holds: shown, never dropped.
UNMAPPED_LABEL = "未归类"
NO_AREA = "none"  # the figures' `area` filter value of those cases


class AnalysisArea(db.Model):
    """One of the areas of the monthly analysis (开办企业 … 办理破产), and the department
    the office makes responsible for analysing it. Retired areas keep their history."""

    __tablename__ = "analysis_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    department = relationship("Department")


class AreaCategory(db.Model):
    """A case category counted in an area: each category in at most one area, so the areas
    (and 未归类) partition the cases."""

    __tablename__ = "analysis_area_categories"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("analysis_areas.id"), index=True)

    area = relationship("AnalysisArea")
    category = relationship("Category")


class MonitoringPoint(db.Model):
    """An enterprise the office flags as a 监测点企业. Flagged as a whole: its cases count in
    whatever area their category maps to, so one point watches every area."""

    __tablename__ = "monitoring_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), unique=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    enterprise = relationship("Enterprise")


class AreaAnalysis(db.Model):
    """The office's request for one area's analysis of a month, and the responsible
    department's answer (短板弱项, 举措) once submitted. One per area and month."""

    __tablename__ = "area_analyses"
    __table_args__ = (UniqueConstraint("month", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # 'YYYY-MM'
    area_id: Mapped[int] = mapped_column(ForeignKey("analysis_areas.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)  # inclusive, local
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    weaknesses: Mapped[str | None] = mapped_column(Text)  # 短板弱项
    measures: Mapped[str | None] = mapped_column(Text)  # 举措
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    area = relationship("AnalysisArea")
    department = relationship("Department")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])

    def state(self, today: date) -> str:
        """submitted | overdue | pending."""
        if self.submitted_at is not None:
            return "submitted"
        return "overdue" if today > self.due_on else "pending"


STATE_LABELS = {"submitted": "已提交", "overdue": "已逾期", "pending": "待填报"}
