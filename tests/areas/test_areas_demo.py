"""The demo county's monthly analysis: every area has its department, four monitoring points,
last month requested with all but two answered; a second load adds nothing."""
from sqlalchemy import func

from app.areas import queries
from app.areas.models import AreaAnalysis, MonitoringPoint
from app.extensions import db
from tests.demo.test_demo import load


def test_the_demo_has_last_months_area_analyses(runner):
    load(runner)
    assert all(area.department_id for area in queries.areas())
    assert db.session.execute(db.select(func.count(MonitoringPoint.id))).scalar() == 4
    analyses = db.session.execute(db.select(AreaAnalysis)).scalars().all()
    assert len(analyses) == 12 and len({a.month for a in analyses}) == 1
    assert sorted(a.area.name for a in analyses if a.submitted_at is None) == ["办理破产", "获得信贷"]
    rows = queries.month_rows(analyses[0].month)
    assert sum(r.figures["received"]["numerator"] for r in rows) > 0
    load(runner)
    assert db.session.execute(db.select(func.count(AreaAnalysis.id))).scalar() == 12
