"""The media domain's scheduled job: sweep stored files no row refers to and stale temp files.

The sweep lists the whole store, so the scheduler runs it every MEDIA_SWEEP_EVERY_MINUTES
(default 60), not on every tick; `flask media sweep` runs it at once."""
from datetime import datetime, timedelta
import logging

from flask import current_app

from app.core.clock import utcnow
from app.media.operations import sweep_media

log = logging.getLogger(__name__)
_last_sweep: dict[str, datetime] = {}  # MEDIA_ROOT -> when this process last swept it


def run_media_sweep(now: datetime | None = None) -> dict:
    """Delete unreferenced store files and stale temp files past MEDIA_ORPHAN_GRACE_HOURS."""
    result = sweep_media(now or utcnow())
    log.info("media sweep: %d unreferenced stored files, %d stale temp files deleted",
             result.store_files, result.temp_files)
    return {"store_files": result.store_files, "temp_files": result.temp_files}


def sweep_media_files(now: datetime | None = None) -> dict | str:
    """The scheduler's job: the media sweep when MEDIA_SWEEP_EVERY_MINUTES have passed."""
    now = now or utcnow()
    root = current_app.config["MEDIA_ROOT"]
    every = timedelta(minutes=current_app.config.get("MEDIA_SWEEP_EVERY_MINUTES", 60))
    last = _last_sweep.get(root)
    if last is not None and last <= now < last + every:
        return "not due"
    _last_sweep[root] = now
    return run_media_sweep(now)
