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


def years_without_calendar(today) -> list[int]:
    """The years the admin is warned about: this year if it has no calendar, and next year
    from 1 November on (when the State Council's notice is due)."""
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [year for year in years if not year_has_calendar(year)]
