import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.proxy import request_address
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


class CaseState(enum.Enum):
    submitted = "待受理"
    dispatched = "待签收"
    signed = "办理中"
    replied = "已答复"
    closed = "已办结"
    returned = "已退回"
    invalid = "无效"

    @property
    def label(self):
        return self.value


OPEN_STATES = (CaseState.submitted, CaseState.dispatched, CaseState.signed,
               CaseState.returned)


class CaseSource(enum.Enum):
    card = "企业码"
    hall = "大厅码"
    hotline = "12345热线"
    visit = "走访企业"
    meeting = "政企恳谈会"
    deputy = "代表委员建议"
    supervisor = "特约监督员"
    review = "线上评议"
    discipline = "纪委监督"  # a finding of a 纪委监委 supervision visit

    @property
    def label(self):
        return self.value


class Urgency(enum.Enum):
    normal = "一般"
    urgent = "紧急"


class Complexity(enum.Enum):
    consultation = "咨询类"
    general = "一般类"
    complex = "复杂类"
    urgent = "紧急类"

    @property
    def label(self):
        return self.value


class Rating(enum.Enum):
    very_satisfied = "非常满意"
    satisfied = "满意"
    basically_satisfied = "基本满意"
    dissatisfied = "不满意"
    very_dissatisfied = "非常不满意"

    @property
    def label(self):
        return self.value

    @property
    def is_satisfied(self):
        return self in SATISFIED_RATINGS


SATISFIED_RATINGS = (Rating.very_satisfied, Rating.satisfied, Rating.basically_satisfied)
# A level as a score out of 100, where the five levels score a department (网络专项评议,
# 现场测评; docs/figures.md): evenly from 100 to 0, so 基本满意 is the middle.
RATING_SCORES = {Rating.very_satisfied: 100, Rating.satisfied: 75, Rating.basically_satisfied: 50,
                 Rating.dissatisfied: 25, Rating.very_dissatisfied: 0}


class Category(db.Model):
    """One of the 13 business-environment areas; the default department is the county's choice."""

    __tablename__ = "categories"
    # What snapshots kept between requests are made of (app/core/refcache.py).
    __reference_columns__ = ("code", "name", "sort_order")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    default_department = relationship("Department")


HANDLED_SQL = text("state IN ('replied', 'closed') AND dispatched_at IS NOT NULL "
                   "AND replied_at IS NOT NULL")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        # The scheduler's and the dashboard's hot paths: open cases by deadline.
        Index("ix_cases_state_sign_due_at", "state", "sign_due_at"),
        Index("ix_cases_state_reply_due_at", "state", "reply_due_at"),
        # The figures' one index (migration 0006): led by submitted_at for every period range,
        # then every column the figures and the drill-downs read, so the dashboard's
        # statements are index-only scans (docs/figures.md).
        Index("ix_cases_figures", "submitted_at", "state", "lead_department_id", "category_id",
              "source", "enterprise_id", "id", "dispatched_at", "sign_due_at", "signed_at",
              "returned_at", "reply_due_at", "first_replied_at", "replied_at", "rating",
              "return_count", "extension_count", "reopen_count", "handling_seconds"),
        # The answered cases behind the median handling time, narrow: the median's sort reads
        # only these (PostgreSQL; SQLite's planner keeps to ix_cases_figures).
        Index("ix_cases_handled", "submitted_at", "state", "handling_seconds", "lead_department_id",
              "category_id", "source", "enterprise_id", postgresql_where=HANDLED_SQL,
              sqlite_where=HANDLED_SQL),
        Index("ix_cases_lead_department_id_state", "lead_department_id", "state"),
        # The scheduler's tick: the next reminder, escalation or auto-close point, kept by
        # app.reminders.timeline whenever a deadline or the state changes.
        Index("ix_cases_next_check_at", "next_check_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(20), unique=True)
    # Kept as issued (not hashed): a 6-digit space is no secret against anyone who can read
    # the table, and the dispatcher must be able to repeat it to a submitter on the phone.
    access_code: Mapped[str] = mapped_column(String(6))
    access_failures: Mapped[int] = mapped_column(default=0)
    access_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    source: Mapped[CaseSource] = mapped_column(enum_column_type(CaseSource))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    urgency: Mapped[Urgency] = mapped_column(enum_column_type(Urgency), default=Urgency.normal)
    complexity: Mapped[Complexity | None] = mapped_column(enum_column_type(Complexity))
    content: Mapped[str] = mapped_column(Text)

    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    enterprise_name_given: Mapped[str | None] = mapped_column(String(200))  # hall cards
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    via_revoked_card: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    state: Mapped[CaseState] = mapped_column(enum_column_type(CaseState), default=CaseState.submitted)
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    escalation_level: Mapped[int] = mapped_column(default=0)  # 0 none, 1 urged, 2 supervised

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # extended when approved
    original_reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the latest reply
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    rating: Mapped[Rating | None] = mapped_column(enum_column_type(Rating))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    invalid_reason: Mapped[str | None] = mapped_column(String(200))
    return_count: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Working seconds from dispatch to the latest reply, fixed when the reply is given (with
    # the calendar as it was then); None while the case has no current answer to a dispatch.
    # The figures' median handling time reads it (docs/figures.md).
    handling_seconds: Mapped[int | None] = mapped_column()
    closed_unrated: Mapped[bool] = mapped_column(default=False)
    # The 差评 loop of the case (app/rating; the rows are in `ratings`), kept on the case for
    # the figures and the scheduler: when the first 差评 came, the 回访 and 整改 deadlines
    # and when each was done; whether the current rating was set aside by an upheld appeal
    # (申诉复核, left out of 满意率), and how many appeals were upheld.
    complaint_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rework_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rework_feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating_excluded: Mapped[bool] = mapped_column(default=False)
    appeals_upheld: Mapped[int] = mapped_column(default=0)

    category = relationship("Category")
    enterprise = relationship("Enterprise")
    card = relationship("Card")
    lead_department = relationship("Department", foreign_keys=[lead_department_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    co_departments = relationship("CaseDepartment", back_populates="case",
                                  cascade="all, delete-orphan")
    replies = relationship("Reply", back_populates="case", order_by="Reply.created_at")
    attachments = relationship("Attachment", back_populates="case",
                               primaryjoin="and_(Attachment.case_id == Case.id, "
                                           "Attachment.reply_id.is_(None))",
                               viewonly=True)
    events = relationship("AuditEvent", back_populates="case", order_by="AuditEvent.id")
    extension_requests = relationship("ExtensionRequest", back_populates="case",
                                      order_by="ExtensionRequest.id")
    rating_history = relationship("CaseRating", back_populates="case",
                                  order_by="(CaseRating.rated_at, CaseRating.id)")

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def is_reopened(self) -> bool:
        """重办: reopened by an unsatisfied rating and not finished since."""
        return self.reopen_count > 0 and self.is_open

    @property
    def reopening(self):
        """The latest unsatisfied rating that reopened the case: its note is the enterprise's
        complaint, its time when the case came back."""
        for event in reversed(self.events):
            if event.action == "rate" and (event.data or {}).get("reopened"):
                return event
        return None

    def __repr__(self):
        return f"<Case {self.tracking_no} {self.state.name}>"


# The cases sitting with a department (待签收, 办理中), as the index below and the queries it
# serves both spell it: a planner uses a partial index only for a query that states its WHERE.
WITH_DEPARTMENT_SQL = text("state IN ('dispatched', 'signed')")

# The heads' daily digest (app/reminders/queries.department_summaries, migration 0150): per
# department, the cases with it in the digest's deadline order, so its first twenty overdue
# cases are the index's first entries (not a sort of every overdue case), and with the
# columns the overdue test reads, so the walk tests each entry without visiting the table.
# (The digest's counts come from department_case_counts since migration 0160.)
Index("ix_cases_with_department_by_deadline", Case.lead_department_id,
      func.coalesce(Case.reply_due_at, Case.sign_due_at), Case.id, Case.state, Case.sign_due_at,
      Case.reply_due_at, postgresql_where=WITH_DEPARTMENT_SQL, sqlite_where=WITH_DEPARTMENT_SQL)
# The states the heads' digest counts per department (待签收, 办理中, 待评价).
COUNTED_STATES = (CaseState.dispatched, CaseState.signed, CaseState.replied)


class DepartmentCaseCount(db.Model):
    """How many cases each department holds in each counted state, kept exact by triggers on
    `cases` (migration 0160) — so every write path (operations, bulk SQL, a migration, psql)
    moves it — and read by the digests instead of counting millions of index entries.
    Rows are never deleted: a department's count falls to 0 and stays (three rows a
    department at most)."""
    __tablename__ = "department_case_counts"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    state: Mapped[CaseState] = mapped_column(enum_column_type(CaseState), primary_key=True)
    cases: Mapped[int] = mapped_column(default=0)


# The cases with a department but no running deadline (none in practice: dispatching sets the
# sign deadline, signing the handling one), which the digests' overdue count must still leave
# out exactly (migration 0160): an index the planner knows to be empty, where the same test
# against the state+deadline indexes was estimated at a tenth of the open cases.
# In parentheses: SQLAlchemy joins a text() to the other conditions with a bare AND.
NO_RUNNING_DEADLINE_SQL = text("(state = 'dispatched' AND sign_due_at IS NULL "
                               "OR state = 'signed' AND reply_due_at IS NULL)")
Index("ix_cases_without_running_deadline", Case.lead_department_id,
      postgresql_where=NO_RUNNING_DEADLINE_SQL, sqlite_where=NO_RUNNING_DEADLINE_SQL)
# The office's weekly digest counts the cases closed in the last seven days (migration 0150):
# closed cases only, so the scheduler's claims on open cases add no entry to it.
CLOSED_SQL = text("closed_at IS NOT NULL")
Index("ix_cases_closed_at", Case.closed_at, postgresql_where=CLOSED_SQL, sqlite_where=CLOSED_SQL)


class CaseDepartment(db.Model):
    """A co-department of a jointly handled case (联动办理); the lead is on the case itself."""

    __tablename__ = "case_departments"
    __table_args__ = (UniqueConstraint("case_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case = relationship("Case", back_populates="co_departments")
    department = relationship("Department")


class Reply(db.Model):
    """A reply to the submitter (lead department) or a co-department's internal opinion."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    content: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case = relationship("Case", back_populates="replies")
    author = relationship("User")
    department = relationship("Department")
    attachments = relationship("Attachment", back_populates="reply")


class AttachmentKind(enum.Enum):
    photo = "照片"
    video = "视频"


class StoredFile:
    """The columns of a row that holds a stored photo or video (app/media): a case's
    attachment, a pending upload, a visit's photo, a meeting's attachment. The media sweeper
    keeps every file such a row names (`app.media.operations.referenced_keys`)."""

    kind: Mapped[AttachmentKind] = mapped_column(enum_column_type(AttachmentKind))
    stored_name: Mapped[str] = mapped_column(String(200))  # storage key: content hash + extension
    poster_name: Mapped[str | None] = mapped_column(String(200))  # video poster frame
    original_name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(64))  # sniffed from the bytes, not the name
    width: Mapped[int | None]
    height: Mapped[int | None]


class Attachment(StoredFile, db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # found again by content
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case = relationship("Case", foreign_keys=[case_id])
    reply = relationship("Reply", back_populates="attachments")


class ExtensionStatus(enum.Enum):
    pending = "待审批"
    approved = "已批准"
    refused = "已驳回"
    withdrawn = "已作废"  # the case was replied, returned or re-dispatched before a decision


class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(enum_column_type(ExtensionStatus),
                                                    default=ExtensionStatus.pending)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))
    new_reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case = relationship("Case", back_populates="extension_requests")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class AuditEvent(db.Model):
    """An immutable record of one action: on a case (state change, urge…) or elsewhere (unmask, export)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # The figures' league table finds the `return` events among all others (migration 0005).
        Index("ix_audit_events_action_case_id", "action", "case_id", "department_id"),
        # 退回 and 回退率 count the cases with a `return`/`dispatch` event made in a period: a
        # range of this index, read without the table (migration 0110, issue 23).
        Index("ix_audit_events_action_created_at", "action", "created_at", "department_id",
              "previous_at", "previous_department_at", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(64))  # "提交人", "系统", or the user's name
    # The department that acted (e.g. the one that returned a case), for per-department counts.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The client's address when a request wrote the event (behind TRUSTED_PROXIES proxies, the
    # one they forwarded); None for the scheduler and the command line.
    client_address: Mapped[str | None] = mapped_column(String(45), default=request_address)
    # On a `return`/`dispatch` event with a department: when the case's previous event of the
    # same action (with a department) was made, and the previous one of the same department;
    # None for the first. Set by a database trigger on insert (migration 0110), so 退回 and
    # 回退率 count a case once per period without DISTINCT (docs/figures.md).
    previous_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    previous_department_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case = relationship("Case", back_populates="events")
    actor = relationship("User")
