"""Local-time display helpers: everything is stored in UTC and shown in Asia/Shanghai."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(LOCAL_TZ)


def local_datetime(day: date, at: time) -> datetime:
    """An aware UTC datetime for a wall-clock time in Asia/Shanghai."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else ""
