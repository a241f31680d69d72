"""`flask --app wsgi cards …`: print batches, revoke a lost card, list a card's history."""
from pathlib import Path
import click
from flask.cli import AppGroup

from app.cards import operations as card_ops
from app.cards.printing import render_card_png, render_cards_pdf
from app.cards.queries import enterprises_query
from app.core.timeutil import format_local
from app.enterprises.queries import enterprise_by_credit_code
from app.extensions import db
from app.settings.branding import get_branding
from app.settings.public_url import public_base_url

cards_cli = AppGroup("cards", help="Contact cards (馆满意 QR cards).")


@cards_cli.command("print")
@click.option("--all", "all_", is_flag=True, help="Every enterprise.")
@click.option("--enterprise", "codes", multiple=True, metavar="CODE",
              help="An enterprise's credit code (repeatable).")
@click.option("--monitoring-points", is_flag=True, help="The monitoring-point enterprises.")
@click.option("--key-enterprises", is_flag=True, help="The key enterprises.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PDF to write.")
@click.option("--layout", type=click.Choice(["card", "a6"]), default="card", show_default=True)
@click.option("--png-dir", type=click.Path(file_okay=False), help="Also one PNG per card here.")
def print_cards(all_, codes, monitoring_points, key_enterprises, out, layout, png_dir):
    """Print the current cards of the chosen enterprises into one print-ready PDF."""
    if not (all_ or codes or monitoring_points or key_enterprises):
        raise click.UsageError("choose --all, --enterprise CODE, --monitoring-points "
                               "or --key-enterprises")
    query = enterprises_query(codes=None if all_ else codes, monitoring_points=monitoring_points,
                              key_enterprises=key_enterprises)
    enterprises = list(db.session.execute(query).scalars())
    missing = {c.strip().upper() for c in codes} - {e.credit_code for e in enterprises}
    if missing:
        raise click.ClickException(f"unknown enterprise code(s): {', '.join(sorted(missing))}")
    if not enterprises:
        raise click.ClickException("no enterprise matches")
    cards = [card_ops.ensure_current_card(e) for e in enterprises]
    with click.progressbar(length=len(cards), label="rendering cards", file=click.get_text_stream("stderr")) as bar:
        done = [0]

        def progress(finished, total):
            bar.update(finished - done[0])
            done[0] = finished
        pdf = render_cards_pdf(cards, layout=layout, progress=progress)
    Path(out).write_bytes(pdf)
    if png_dir:
        folder = Path(png_dir)
        folder.mkdir(parents=True, exist_ok=True)
        branding, base_url = get_branding(), public_base_url()
        for card in cards:
            (folder / f"{card.enterprise.credit_code}-{card.serial}.png").write_bytes(
                render_card_png(card, layout, branding, base_url))
    card_ops.record_batch(cards, layout=layout, note=f"CLI: {out}")
    db.session.commit()
    click.echo(f"{len(cards)} cards → {out} ({len(pdf) / 1024:.0f} KB)")


@cards_cli.command("revoke")
@click.argument("code")
@click.option("--reason", default="遗失补办", show_default=True)
def revoke(code, reason):
    """Revoke an enterprise's current card and issue a new one."""
    enterprise = enterprise_by_credit_code(code)
    if enterprise is None:
        raise click.ClickException(f"no enterprise with credit code {code}")
    try:
        old, new = card_ops.revoke_card(enterprise, reason=reason)
    except card_ops.CardError as exc:
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"revoked {old.serial}; new card {new.serial}: "
               f"{card_ops.card_url(public_base_url(), new)}")


@cards_cli.command("list")
@click.argument("code")
def list_cards(code):
    """An enterprise's cards, oldest first."""
    enterprise = enterprise_by_credit_code(code)
    if enterprise is None:
        raise click.ClickException(f"no enterprise with credit code {code}")
    base_url = public_base_url()
    for card in card_ops.card_history(enterprise):
        state = f"revoked {format_local(card.revoked_at)} ({card.revoke_reason})" \
            if card.revoked_at else "valid"
        click.echo(f"{card.serial}  issued {format_local(card.issued_at)}  {state}  "
                   f"{card_ops.card_url(base_url, card)}")


