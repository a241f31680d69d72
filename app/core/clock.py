"""The application's clock: every reading of "now" in the app goes through `utcnow()`.

Production reads the system clock. Tests fix it (`fixed_at`) so that a deadline, a figure or
a report never depends on the day the suite runs; the CLI, the scheduler, the web views and
the operations all read this one function, so one fixed instant moves all of them together.
"""
from contextlib import contextmanager
from datetime import date, datetime, timezone

from app.core.timeutil import LOCAL_TZ

_fixed: datetime | None = None


def utcnow() -> datetime:
    """The current instant, aware and in UTC."""
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


def local_today(now: datetime | None = None) -> date:
    """The office's calendar day (Asia/Shanghai) at `now`, by default the clock's now."""
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def set_fixed(moment: datetime | None) -> None:
    """Fix the clock at `moment` (aware), or give it back to the system with None."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock takes aware datetimes")
    _fixed = moment.astimezone(timezone.utc) if moment is not None else None


@contextmanager
def fixed_at(moment: datetime):
    """`with fixed_at(t): ...` — the app reads `t` as now inside the block."""
    before = _fixed
    set_fixed(moment)
    try:
        yield
    finally:
        set_fixed(before)
