"""Every text that reaches a document the app makes is printed literally: PDFs never obey
markup from it (issue 16 item 1) and workbooks never run it as a formula (item 2)."""
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from app.cards.operations import issue_card
from app.cards.printing import render_cards_pdf
from app.cases.models import CaseState
from app.extensions import db
from app.figures.report import report_pdf

MARKUP = '<img src="/etc/hostname"/>'
ANGLES = "a<b 并且 c>d"
AMPERSAND = "甲&乙"
T0 = datetime(2026, 11, 17, 1, 0, tzinfo=timezone.utc)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())  # wrapping may break a line anywhere


def shown(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def hostile(app, world, make_case, make_enterprise, fixed_clock):
    """A department, an enterprise, a leader and an overdue case whose text is markup."""
    fixed_clock.set(T0 + timedelta(days=10))
    world.dept.name = f"{ANGLES}局"
    world.dept.phone = AMPERSAND
    world.handler.display_name = AMPERSAND
    enterprise = make_enterprise(name=MARKUP, responsible_department=world.dept,
                                 package_leader=world.handler)
    make_case(CaseState.dispatched, now=T0, content=f"{MARKUP}{ANGLES}{AMPERSAND}")
    db.session.commit()
    return enterprise


def test_the_monthly_report_pdf_prints_markup_literally(hostile, tmp_path):
    text = pdf_text(report_pdf("2026-11", county=AMPERSAND), tmp_path)
    for literal in (MARKUP, ANGLES, AMPERSAND):
        assert shown(literal) in text, literal


@pytest.mark.parametrize("layout", ["card", "a6"])
def test_every_card_pdf_prints_markup_literally(hostile, app, tmp_path, layout):
    app.config["COUNTY_NAME"] = ANGLES
    cards = [issue_card(hostile), issue_card(title=f"{AMPERSAND}{ANGLES}")]
    db.session.commit()
    text = pdf_text(render_cards_pdf(cards, layout), tmp_path)
    for literal in (MARKUP, ANGLES, AMPERSAND):
        assert shown(literal) in text, literal
