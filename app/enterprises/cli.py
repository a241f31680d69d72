"""`flask --app wsgi enterprises import PATH`: the same all-or-nothing import as the upload page."""
from pathlib import Path

import click
from flask.cli import AppGroup

from app.enterprises.imports import ImportRejected, import_enterprises
from app.extensions import db

enterprises_cli = AppGroup("enterprises", help="企业名录")


@enterprises_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path):
    """Import enterprises from an .xlsx or .csv file; nothing is imported if any row is bad."""
    try:
        result = import_enterprises(path.name, path.read_bytes())
    except ImportRejected as exc:
        db.session.rollback()
        click.echo(f"导入失败，共{len(exc.errors)}处错误，未导入任何企业：", err=True)
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"导入成功：新增{result.created}家，更新{result.updated}家")
