"""`flask backup create --out DIR | verify DIR | restore DIR` (docs/deploy.md, "Backups")."""
import click
from flask.cli import AppGroup

from app.backup.operations import BackupError, create_backup, restore_backup, verify_backup

backup_cli = AppGroup("backup", help="数据库与媒体文件的备份和恢复（Backup and restore）.")


def _run(operation, directory):
    """The operation's result, or its refusal as the command's error (exit status 1)."""
    try:
        return operation(directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@backup_cli.command("create")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="A new (or empty) directory for this backup.")
def create_command(out):
    """Write a consistent snapshot of the database and the media, with manifest and checksums."""
    summary = _run(create_backup, out)
    click.echo(f"backup written to {summary.directory}: {summary.engine} database "
               f"(revision {summary.revision}), {summary.media_files} media files, "
               f"{summary.media_bytes} bytes")


@backup_cli.command("verify")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def verify_command(directory):
    """Check every file of a backup against its manifest's checksums."""
    manifest = _run(verify_backup, directory)
    click.echo(f"backup {directory} is intact: {len(manifest['files'])} files checked")


@backup_cli.command("restore")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def restore_command(directory):
    """Restore a backup into an EMPTY database (DATABASE_URL) and media store (MEDIA_ROOT)."""
    summary = _run(restore_backup, directory)
    click.echo(f"restored {summary.engine} database (revision {summary.revision}) and "
               f"{summary.media_files} media files from {summary.directory}; "
               f"next: flask db upgrade, then start the app")
