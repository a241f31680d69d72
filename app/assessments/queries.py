"""The 现场测评 lists, campaign matrix, per-department results and figures
(docs/mechanisms.md, docs/figures.md). Scores: each 好差评 level as out of 100
(models.SCORES); an average is the sum of the scores over the count, truncated to two
decimals like every rate (figures.queries.truncated_rate on sum ÷ count×100)."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, select

from app.assessments.models import (DIMENSIONS, SCORES, Assessment, AssessmentCampaign,
                                    AssessmentCase)
from app.auth.models import Role, User
from app.auth.queries import users_with_role
from app.cases.models import Case, CaseState
from app.departments.models import Department, DepartmentKind
from app.departments.queries import COUNTY_ORDER
from app.extensions import db
from app.figures.queries import truncated_rate


def functional_departments() -> list[Department]:
    """The active functional departments (职能部门), in the county's order: what a campaign asks
    every supervisor to assess."""
    return list(db.session.execute(
        select(Department).where(Department.kind == DepartmentKind.functional,
                                 Department.is_active.is_(True))
        .order_by(*COUNTY_ORDER)).scalars())


def _score(column):
    return case({rating.name: score for rating, score in SCORES.items()}, value=column)


def _score_sums():
    """count, then the score sum of each dimension (in DIMENSIONS order)."""
    return [func.count(Assessment.id)] + [
        func.coalesce(func.sum(_score(getattr(Assessment, name))), 0) for name, _label in DIMENSIONS]


def averages(count: int, sums) -> dict:
    """{dimension: average score (truncated to two decimals) or None}, and `overall`, the mean
    of the three dimensions' scores."""
    result = {name: truncated_rate(int(total), count * 100)
              for (name, _label), total in zip(DIMENSIONS, sums)}
    result["overall"] = truncated_rate(sum(int(s) for s in sums), count * 100 * len(DIMENSIONS))
    return result


@dataclass
class DepartmentResult:
    department: Department
    count: int
    averages: dict


def department_results(date_from: date | None = None, date_to: date | None = None, *,
                       campaign: AssessmentCampaign | None = None,
                       department_id: int | None = None) -> list[DepartmentResult]:
    """Per department: how many assessments and the average of each dimension, over the
    assessments dated in [date_from, date_to) or counted for `campaign`; only departments
    assessed at least once (all of a campaign's, assessed or not)."""
    where = []
    if date_from is not None:
        where.append(Assessment.assessed_on >= date_from)
    if date_to is not None:
        where.append(Assessment.assessed_on < date_to)
    if campaign is not None:
        where.append(Assessment.campaign_id == campaign.id)
    if department_id is not None:
        where.append(Assessment.department_id == department_id)
    rows = {row[0]: row[1:] for row in db.session.execute(
        select(Assessment.department_id, *_score_sums()).where(*where)
        .group_by(Assessment.department_id))}
    if campaign is not None:
        departments = [t.department for t in campaign.targets
                       if department_id is None or t.department_id == department_id]
    else:
        departments = list(db.session.execute(select(Department).where(
            Department.id.in_(list(rows) or [0])).order_by(*COUNTY_ORDER)).scalars())
    results = []
    for department in departments:
        count, *sums = rows.get(department.id, (0, 0, 0, 0))
        results.append(DepartmentResult(department, count, averages(count, sums)))
    return results


@dataclass
class SupervisorRow:
    supervisor: User
    done: list[bool]  # per department of the campaign, in its order
    left: list[Department] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return not self.left


@dataclass
class Matrix:
    campaign: AssessmentCampaign
    departments: list[Department]
    rows: list[SupervisorRow]
    per_department: list[int]  # supervisors who assessed each department

    @property
    def unfinished(self) -> list[SupervisorRow]:
        return [row for row in self.rows if not row.finished]


def campaign_matrix(campaign: AssessmentCampaign) -> Matrix:
    """Supervisor × department: done when the supervisor made at least one assessment of the
    department counted for the campaign. The supervisors: the active social supervisors and
    anyone who assessed for it."""
    departments = [t.department for t in campaign.targets]
    done = set(db.session.execute(
        select(Assessment.supervisor_id, Assessment.department_id)
        .where(Assessment.campaign_id == campaign.id).distinct()).all())
    people = {u.id: u for u in users_with_role(Role.social_supervisor)}
    extra = {s for s, _d in done} - set(people)
    if extra:
        people.update({u.id: u for u in db.session.execute(
            select(User).where(User.id.in_(extra))).scalars()})
    rows = []
    for user in sorted(people.values(), key=lambda u: (u.display_name, u.id)):
        cells = [(user.id, d.id) in done for d in departments]
        rows.append(SupervisorRow(user, cells, [d for d, c in zip(departments, cells) if not c]))
    per_department = [sum(row.done[i] for row in rows) for i in range(len(departments))]
    return Matrix(campaign, departments, rows, per_department)


def campaigns() -> list[AssessmentCampaign]:
    return list(db.session.execute(select(AssessmentCampaign).order_by(
        AssessmentCampaign.starts_on.desc(), AssessmentCampaign.id.desc())).scalars())


def running_campaigns(day: date) -> list[AssessmentCampaign]:
    return list(db.session.execute(select(AssessmentCampaign).where(
        AssessmentCampaign.starts_on <= day, AssessmentCampaign.ends_on >= day)
        .order_by(AssessmentCampaign.id)).scalars())


def assessments(supervisor: User | None = None, limit: int = 300) -> list[Assessment]:
    """The newest assessments: `supervisor`'s own, or all (the office)."""
    query = select(Assessment).order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    if supervisor is not None:
        query = query.where(Assessment.supervisor_id == supervisor.id)
    return list(db.session.execute(query.limit(limit)).scalars())


def _count(statement) -> int:
    return db.session.execute(statement).scalar() or 0


def assessment_figures(date_from: date, date_to: date) -> dict:
    """The 现场测评 figures for [date_from, date_to) local dates (docs/figures.md)."""
    in_range = and_(Assessment.assessed_on >= date_from, Assessment.assessed_on < date_to)
    count, *sums = db.session.execute(select(*_score_sums()).where(in_range)).one()
    states = dict(db.session.execute(
        select(Case.state, func.count()).join(AssessmentCase, AssessmentCase.case_id == Case.id)
        .join(Assessment, Assessment.id == AssessmentCase.assessment_id).where(in_range)
        .group_by(Case.state)).all())
    findings, solved = sum(states.values()), states.get(CaseState.closed, 0)
    campaigns_running = select(func.count()).select_from(AssessmentCampaign).where(
        AssessmentCampaign.starts_on < date_to, AssessmentCampaign.ends_on >= date_from)
    return {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "assessments": count,
        "supervisors_assessing": _count(select(func.count(func.distinct(Assessment.supervisor_id)))
                                        .where(in_range)),
        "departments_covered": _count(select(func.count(func.distinct(Assessment.department_id)))
                                      .where(in_range)),
        "average_scores": averages(count, sums),
        "findings_to_cases": findings,
        "findings_solved": solved,
        "finding_resolution": truncated_rate(solved, findings),
        "campaigns": _count(campaigns_running),
    }


def department_score_sums(date_from: date, date_to: date) -> dict[int, tuple[int, int]]:
    """Per department: (assessments, Σ of the three dimensions' scores) over the assessments
    dated in [date_from, date_to) — the 季测评's 现场测评 component (docs/figures.md); the
    overall average is truncated_rate(Σ, assessments × 3 × 100), as in `averages`."""
    rows = db.session.execute(
        select(Assessment.department_id, *_score_sums())
        .where(Assessment.assessed_on >= date_from, Assessment.assessed_on < date_to)
        .group_by(Assessment.department_id))
    return {dep: (int(count), sum(int(s) for s in sums)) for dep, count, *sums in rows}


def department_assessments(date_from: date, date_to: date, department_id: int) -> list[Assessment]:
    """The assessments behind `department_score_sums` for one department, oldest first."""
    return list(db.session.execute(
        select(Assessment).where(Assessment.assessed_on >= date_from,
                                 Assessment.assessed_on < date_to,
                                 Assessment.department_id == department_id)
        .order_by(Assessment.assessed_on, Assessment.id)).scalars())
