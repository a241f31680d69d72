"""Every change of the 现场测评 records: one function per action, called by the pages, the
demo and the tests alike. Each checks role and input before the first write, writes an audit
event and flushes; the caller commits once, so an assessment and the cases its findings
became are one transaction. Refusals are CaseActionError (a Chinese message, the field)."""
from datetime import date

from sqlalchemy import select

from app.assessments.models import (Assessment, AssessmentCampaign, AssessmentCase,
                                    AssessmentPhoto, CampaignDepartment)
from app.assessments.queries import functional_departments
from app.auth.models import Role, User
from app.auth.queries import OFFICE_ROLES
from app.cases import operations as case_ops
from app.cases.models import CaseSource, Rating
from app.core.clock import local_today, utcnow
from app.departments.models import Department
from app.extensions import db
from app.field.operations import (
    Issue, _audit, _past_date, _refuse, _require_role, _text, attach_photos, check_issues,
    check_photos)

MATTER_MAX = 2000  # 体验式办事: what the supervisor did
NOTES_MAX = 2000
TITLE_MAX = AssessmentCampaign.__table__.c.title.type.length
RECORD_ROLES = (Role.social_supervisor,)


def open_campaign(actor: User | None, title: str, starts_on: date | None, ends_on: date | None,
                  now=None) -> AssessmentCampaign:
    """The office asks every social supervisor to assess every active functional department
    between `starts_on` and `ends_on` (inclusive). `actor` None: the demo."""
    now = now or utcnow()
    if actor is not None:
        _require_role(actor, OFFICE_ROLES, "发起现场测评")
    title = _text(title, "title", "测评名称", TITLE_MAX)
    if starts_on is None:
        _refuse("invalid_input", "请填写开始日期", field="starts_on")
    if ends_on is None:
        _refuse("invalid_input", "请填写结束日期", field="ends_on")
    if ends_on < starts_on:
        _refuse("invalid_input", "结束日期不能早于开始日期", field="ends_on")
    if actor is not None and ends_on < local_today(now):
        _refuse("invalid_input", "结束日期不能早于今天", field="ends_on")
    departments = functional_departments()
    if not departments:
        _refuse("invalid_input", "没有在用的职能部门可以测评", field="title")
    campaign = AssessmentCampaign(title=title, starts_on=starts_on, ends_on=ends_on,
                                  created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(campaign)
    for department in departments:
        db.session.add(CampaignDepartment(campaign=campaign, department=department))
    db.session.flush()
    # Assessments already made in the period count for it.
    for assessment in db.session.execute(select(Assessment).where(
            Assessment.campaign_id.is_(None), Assessment.assessed_on >= starts_on,
            Assessment.assessed_on <= ends_on,
            Assessment.department_id.in_([d.id for d in departments]))).scalars():
        assessment.campaign = campaign
    _audit(actor, "open_assessment_campaign", f"{title}：{starts_on.isoformat()}至"
           f"{ends_on.isoformat()}，{len(departments)}个职能部门", {"campaign_id": campaign.id},
           now=now)
    return campaign


def campaign_for(department: Department, day: date) -> AssessmentCampaign | None:
    """The campaign an assessment of `department` on `day` counts for: the first opened one
    running that day that asks for the department."""
    return db.session.execute(
        select(AssessmentCampaign).join(CampaignDepartment)
        .where(CampaignDepartment.department_id == department.id,
               AssessmentCampaign.starts_on <= day, AssessmentCampaign.ends_on >= day)
        .order_by(AssessmentCampaign.id)).scalars().first()


def _contact(supervisor: User) -> tuple[str | None, str | None]:
    """Who to call back on a finding's case: the supervisor, when their account has a mobile."""
    phone = (supervisor.phone or "").replace(" ", "").replace("-", "")
    if case_ops.MOBILE_RE.match(phone):
        return supervisor.display_name, phone
    return None, None


def record_assessment(actor: User, *, department: Department | None, assessed_on: date | None,
                      matter: str, efficiency: Rating | None, process: Rating | None,
                      attitude: Rating | None, notes: str | None = None,
                      findings: list[Issue] = (), photos: list = (), now=None
                      ) -> tuple[Assessment, list]:
    """A social supervisor's 现场测评 of a department's window, counted for the campaign
    running that day, with each finding entered as a case (source `supervisor`, linked to the
    assessment, in the dispatch pool). All or nothing: every check before the first write."""
    now = now or utcnow()
    _require_role(actor, RECORD_ROLES, "登记现场测评")
    if department is None:
        _refuse("invalid_input", "请选择测评的部门", field="department")
    if not department.is_active:
        _refuse("invalid_input", "该部门已停用", field="department")
    assessed_on = _past_date(assessed_on, "assessed_on", "测评日期", now)
    matter = _text(matter, "matter", "办理的事项", MATTER_MAX, min_length=5)
    for value, field, label in ((efficiency, "efficiency", "服务效率"),
                                (process, "procedure", "服务流程"), (attitude, "attitude", "服务态度")):
        if not isinstance(value, Rating):
            _refuse("invalid_input", f"请为{label}评分", field=field)
    notes = _text(notes, "notes", "意见和建议", NOTES_MAX, required=False)
    findings = check_issues(findings, "一次测评")
    check_photos(photos)
    contact_name, contact_phone = _contact(actor)

    assessment = Assessment(supervisor=actor, department=department, assessed_on=assessed_on,
                            campaign=campaign_for(department, assessed_on), matter=matter,
                            efficiency=efficiency, process=process, attitude=attitude,
                            notes=notes, created_at=now)
    db.session.add(assessment)
    attach_photos(photos, lambda **row: AssessmentPhoto(assessment=assessment, created_at=now, **row))
    db.session.flush()
    cases = []
    for finding in findings:
        case, _created = case_ops.submit_case(
            source=CaseSource.supervisor, category=finding.category, content=finding.content,
            actor=actor, contact_name=contact_name, contact_phone=contact_phone,
            is_anonymous=contact_phone is None, now=now)
        db.session.add(AssessmentCase(assessment=assessment, case_id=case.id))
        _audit(actor, "from_assessment", f"{assessed_on.isoformat()}现场测评{department.name}时发现",
               {"assessment_id": assessment.id}, case=case, now=now)
        cases.append(case)
    # No department on the event: who scored which department is the office's to see.
    _audit(actor, "record_assessment", f"{department.name}，{assessed_on.isoformat()}，"
           f"发现问题{len(cases)}个", {"assessment_id": assessment.id}, now=now)
    db.session.flush()
    return assessment, cases
