"""Finding enterprises."""
from app.enterprises.credit_code import normalize_credit_code
from app.enterprises.models import Enterprise
from app.extensions import db


def enterprise_by_credit_code(code: str | None) -> Enterprise | None:
    """The enterprise with this unified social credit code, however it was typed."""
    code = normalize_credit_code(code or "")
    if not code:
        return None
    return db.session.execute(
        db.select(Enterprise).filter_by(credit_code=code)).scalar_one_or_none()
