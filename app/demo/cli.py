"""`flask demo load` and `flask demo banner`: the demo county for `make run` and for trying out."""
import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.auth.models import User
from app.cards.operations import card_url, current_card
from app.cards.models import Card, CardKind
from app.demo import data
from app.demo.loader import has_departments, load_demo
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.public_url import public_base_url

demo_cli = AppGroup("demo", help="Demo county data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True,
              help="Load only into a database without any department (used by `make run`).")
@click.option("--seed-scale", is_flag=True,
              help="Into an EMPTY database: the county whose work summary reproduces the "
                   "office's account (2422 cases, 30 党企月商会 …; docs/demo.md). Minutes, not seconds.")
def load_command(if_empty, seed_scale):
    """Load the demo county (idempotent: a second run changes nothing)."""
    if seed_scale:
        _load_seed_scale()
        return
    if if_empty and has_departments():
        click.echo("Departments exist already; demo county not loaded (--if-empty).")
        return
    started = time.perf_counter()
    result = load_demo()
    click.echo(f"Demo county loaded in {time.perf_counter() - started:.1f} s: "
               f"{result['departments']} departments, {result['enterprises']} enterprises, "
               f"{result['users']} users, {result['cases_created']} new cases.")


def _load_seed_scale():
    from app.demo.seed_scale import SeedScaleError, load_seed_scale
    from app.figures.summary import summary_text, work_summary
    started = time.perf_counter()
    try:
        result = load_seed_scale()
    except SeedScaleError as error:
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - started
    last_day = result.date_to - timedelta(days=1)
    click.echo(f"Seed-scale county loaded in {elapsed:.1f} s: {result.cases} cases, "
               f"period {result.date_from} to {last_day} (inclusive).")
    click.echo(f"  flask metrics summary --from {result.date_from} --to {result.date_to}")
    click.echo(summary_text(work_summary(result.date_from, result.date_to)))


@demo_cli.command("banner")
@click.option("--base-url", default=None, help="Where the app is served (default: BASE_URL).")
def banner_command(base_url):
    """Print the URL, the rate-limit storage, the demo logins and a card to scan."""
    base_url = (base_url or public_base_url()).rstrip("/")
    storage = current_app.config["RATELIMIT_STORAGE_URI"]
    click.echo("")
    if storage.startswith("memory://"):
        click.echo(f"  Rate limits: {storage} — counted per worker process (no Redis answered; "
                   "set RATELIMIT_STORAGE_URI for limits that hold across workers)")
    else:
        click.echo(f"  Rate limits: {storage} — shared by every worker")
    users = {u.username: u for u in db.session.execute(
        db.select(User).where(User.username.in_(data.BANNER_LOGINS))).scalars()}
    click.echo("")
    click.echo(f"  码上办 is running at {base_url}/")
    if not users:
        click.echo("  (no demo logins here: run `flask --app wsgi demo load` for the demo county)")
        return
    click.echo(f"  Demo logins, password for all: {data.DEMO_PASSWORD}")
    for username in data.BANNER_LOGINS:
        user = users.get(username)
        if user is not None:
            department = f", {user.department.name}" if user.department else ""
            click.echo(f"    {username:<16} {user.role.value}（{user.display_name}{department}）")
    enterprise_name = next(e["name"] for e in data.ENTERPRISES
                           if e["key"] == data.BANNER_ENTERPRISE)
    enterprise = db.session.execute(
        db.select(Enterprise).filter_by(name=enterprise_name)).scalar_one_or_none()
    card = current_card(enterprise) if enterprise else None
    if card is not None:
        click.echo(f"  Scan an enterprise card ({enterprise.name}, 监测点): "
                   f"{card_url(base_url, card)}")
    hall = db.session.execute(
        db.select(Card).filter_by(kind=CardKind.hall, title=data.HALL_CARDS[0], revoked_at=None)
        .order_by(Card.id)).scalars().first()
    if hall is not None:
        click.echo(f"  Hall card ({hall.title}): {card_url(base_url, hall)}")
    click.echo("")
