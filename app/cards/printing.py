"""Turn card rows into the pure qrcards library's CardData and render batches."""
import io
import zipfile

import qrcards
from app.cards.models import Card
from app.cards.operations import card_url
from app.settings.branding import get_branding
from app.settings.public_url import public_base_url


def card_data(card: Card, branding: dict | None = None,
              base_url: str | None = None) -> qrcards.CardData:
    branding = branding or get_branding()
    enterprise = card.enterprise
    leader = enterprise.package_leader if enterprise else None
    department = enterprise.responsible_department if enterprise else None
    return qrcards.CardData(
        url=card_url(base_url or public_base_url(), card), serial=card.serial,
        enterprise_name=enterprise.name if enterprise else None,
        title=None if enterprise else (card.title or "政务服务大厅"),
        package_leader=leader.display_name if leader else None,
        package_leader_phone=leader.phone if leader else None,
        department_name=department.name if department else None,
        department_phone=department.phone if department else None,
        county=branding["county_name"], brand=branding["brand"], slogan=branding["slogan"],
        hotline=branding["hotline"])


def render_cards_pdf(cards, layout="card", progress=None, imposition=True, workers=None) -> bytes:
    """`workers=1` where forking is unsafe (a thread of a web worker); None lets qrcards choose."""
    branding, base_url = get_branding(), public_base_url()
    return qrcards.render_pdf([card_data(c, branding, base_url) for c in cards], layout=layout,
                              imposition=imposition, progress=progress, workers=workers)


def render_card_png(card: Card, layout="card", branding: dict | None = None,
                    base_url: str | None = None) -> bytes:
    return qrcards.render_png(card_data(card, branding, base_url), layout=layout)


def zip_of_pngs(cards, layout="card", progress=None) -> bytes:
    """One PNG per card in a ZIP, named by credit code (or serial for hall cards);
    `progress(done, total)` after each card, as `render_cards_pdf` calls it."""
    buffer = io.BytesIO()
    branding, base_url = get_branding(), public_base_url()  # read once, not once per card
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for done, card in enumerate(cards, 1):
            name = card.enterprise.credit_code if card.enterprise else card.serial
            archive.writestr(f"{name}-{card.serial}.png",
                             render_card_png(card, layout, branding, base_url))
            if progress is not None:
                progress(done, len(cards))
    return buffer.getvalue()


def render_batch(cards, layout: str, output: str, progress=None,
                 workers=None) -> tuple[bytes, str, str]:
    """The batch as (body, mimetype, file extension): a print PDF or a ZIP of PNGs."""
    if output == "zip":
        return zip_of_pngs(cards, layout, progress=progress), "application/zip", "zip"
    return (render_cards_pdf(cards, layout, progress=progress, workers=workers),
            "application/pdf", "pdf")
