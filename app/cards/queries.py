"""Choosing the enterprises a print run covers."""
from sqlalchemy import select

from app.enterprises.models import Enterprise


def enterprises_query(*, codes=None, monitoring_points=False, key_enterprises=False,
                      township_id=None, industry=None, search=None):
    """A SELECT of enterprises by the filters the CLI and the cards page offer."""
    query = select(Enterprise).order_by(Enterprise.name)
    if codes:
        query = query.where(Enterprise.credit_code.in_([c.strip().upper() for c in codes]))
    if monitoring_points:
        query = query.where(Enterprise.is_monitoring_point.is_(True))
    if key_enterprises:
        query = query.where(Enterprise.is_key_enterprise.is_(True))
    if township_id:
        query = query.where(Enterprise.township_id == township_id)
    if industry:
        query = query.where(Enterprise.industry == industry)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(Enterprise.name.like(like) | Enterprise.credit_code.like(like))
    return query
