"""Fixed instants for the figures tests."""
from datetime import date, datetime, timedelta, timezone

# Tuesday 2026-11-17 09:00 in Shanghai. Sign limit 1 working day → Wed 18th 09:00;
# general handling limit 5 working days → Tue 24th 09:00.
T0 = datetime(2026, 11, 17, 1, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NOW = T0 + 10 * DAY  # Friday 27th 09:00
NOV = (date(2026, 11, 1), date(2026, 12, 1))


def local(day, hour=9):
    """An instant on a November 2026 day at `hour` o'clock Shanghai time."""
    return datetime(2026, 11, day, hour - 8, 0, tzinfo=timezone.utc)
