"""The file sweeper as tests call it: once the grace period has passed."""
from datetime import timedelta

from app.core.clock import utcnow
from app.media.operations import sweep_unreferenced_files


def swept_a_day_later() -> int:
    """How many stored files the sweeper deletes a day (the default grace) and a second on."""
    return sweep_unreferenced_files(utcnow() + timedelta(hours=24, seconds=1))
