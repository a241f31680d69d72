"""`flask media sweep`: run the scheduler's media sweep once."""
import json

import click
from flask.cli import AppGroup

media_cli = AppGroup("media", help="Stored photos and videos.")


@media_cli.command("sweep")
def sweep_command():
    """Delete stored files no row refers to and stale temp files (after the grace period)."""
    from app.media.tasks import run_media_sweep
    click.echo(json.dumps(run_media_sweep(), ensure_ascii=False))
