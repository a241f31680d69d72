"""What the admin pages ask about the working-day calendar."""
from app.extensions import db
from app.workdays.calendar import WorkCalendar
from app.workdays.models import HolidayNotice


def year_has_calendar(year: int) -> bool:
    """Whether deadlines in `year` follow real holidays: the official package knows the year,
    or the admin saved that year's notice."""
    if WorkCalendar().is_known_year(year):
        return True
    return db.session.execute(db.select(HolidayNotice.id).filter_by(year=year)).first() is not None
