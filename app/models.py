"""Import every domain's models so metadata (and Alembic) sees the whole schema."""
from app.auth.models import ApiToken, Role, User  # noqa: F401
from app.cards.models import Card, CardBatch, CardKind, CardPrintJob  # noqa: F401
from app.cases.models import (  # noqa: F401
    Attachment, AttachmentKind, AuditEvent, Case, CaseDepartment, CaseSource, CaseState,
    Category, Complexity, ExtensionRequest, ExtensionStatus, Rating, Reply, Urgency)
from app.departments.models import Department, DepartmentKind  # noqa: F401
from app.enterprises.models import Enterprise  # noqa: F401
from app.reminders.models import Delivery, DeliveryStatus, Notification, SchedulerLease  # noqa: F401
from app.settings.models import LimitUnit, Setting, TimeLimit  # noqa: F401
from app.workdays.models import HolidayOverride  # noqa: F401
from app.intake.models import PendingUpload  # noqa: F401
from app.core.refcache import ReferenceVersion  # noqa: F401
from app.figures.models import FigureMonth, FigureMonthCount, FigureSnapshot  # noqa: F401
from app.meetings.models import (  # noqa: F401
    AgendaItem, AgendaReason, AttendeeKind, Meeting, MeetingAttachment, MeetingAttendee, MeetingIssue,
    MeetingType)
from app.bulletins.models import Bulletin, BulletinItem  # noqa: F401
from app.field.models import (  # noqa: F401
    FindingOutcome, HelpMeasure, ItemState, ServiceAssignment, ServiceTeam, SupervisionFinding,
    SupervisionKind, SupervisionVisit, TeamMembership, Visit, VisitCase, VisitLevel,
    VisitParticipant, VisitPhoto)
from app.rating.models import AppealKind, AppealState, CaseRating, RatingChannel, ReasonTag  # noqa: F401
from app.rounds.models import (  # noqa: F401
    EvaluationRound, RoundAnswer, RoundDepartment, RoundScore, RoundState, RoundSuggestion)
from app.assessments.models import (  # noqa: F401
    Assessment, AssessmentCampaign, AssessmentCase, AssessmentPhoto, CampaignDepartment)
from app.quarterly.models import QuarterlyWeights  # noqa: F401
from app.areas.models import (  # noqa: F401
    AnalysisArea, AreaAnalysis, AreaCategory, MonitoringPoint)
