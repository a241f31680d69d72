"""Local-time display helpers: everything is stored in UTC and shown in Asia/Shanghai."""
from datetime import date, datetime, time, timezone
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


_DATE_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?: \d{1,2}:\d{2})?|\d{1,2}-\d{1,2} \d{1,2}:\d{2}")


def keep_dates_whole(text) -> Markup:
    """`text` escaped, each date or date-time in it ("2026-11-30 08:00") wrapped so that a line
    never breaks inside it (browsers break after a hyphen)."""
    escaped = str(escape("" if text is None else text))
    return Markup(_DATE_TOKEN.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', escaped))
