"""Local-time display helpers: everything is stored in UTC and shown in Asia/Shanghai."""
from datetime import date, datetime, time, timedelta, timezone
import re
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(LOCAL_TZ)


def local_datetime(day: date, at: time) -> datetime:
    """An aware UTC datetime for a wall-clock time in Asia/Shanghai."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def parse_iso_date(text) -> date | None:
    """A date typed in a form as YYYY-MM-DD, or None when it is not one."""
    try:
        return date.fromisoformat((text or "").strip()) if isinstance(text, str) else None
    except ValueError:
        return None


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else ""


WEEKDAYS = "一二三四五六日"


def format_deadline(value: datetime | None, today: date | None = None) -> str:
    """A time limit as the day it falls on: "12月11日（周五）内".

    A limit at local midnight is the end of the day before (working-day limits count whole
    days, so "by Saturday 00:00" means "within Friday"); any other instant keeps its clock
    time ("12月14日（周一）10:30前"). The year is named only when it is not this year."""
    if value is None:
        return ""
    local = to_local(value)
    day, at_midnight = local.date(), local.time() == time(0, 0)
    if at_midnight:
        day -= timedelta(days=1)
    if today is None:
        from app.core.clock import local_today  # the clock module imports this one
        today = local_today()
    year = f"{day.year}年" if day.year != today.year else ""
    text = f"{year}{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"
    return text + ("内" if at_midnight else f"{local:%H:%M}前")


_DATE_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2})?|\d{1,2}-\d{1,2} \d{1,2}:\d{2}"
                         r"|(?:\d{4}年)?\d{1,2}月\d{1,2}日（周.）(?:\d{1,2}:\d{2}前|内)?")


def keep_dates_whole(text) -> Markup:
    """`text` escaped, each date or date-time in it ("2026-11-30 08:00", "11月30日（周一）内")
    wrapped so that a line never breaks inside it (browsers break after a hyphen)."""
    escaped = str(escape("" if text is None else text))
    return Markup(_DATE_TOKEN.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', escaped))
