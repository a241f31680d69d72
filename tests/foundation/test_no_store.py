"""Cache-Control: no-store on every page showing an access code, a full phone number or a
staff-only view (issue 16 item 19); static files stay cacheable."""
from app.auth.operations import create_api_token
from app.cards.operations import issue_card
from app.cases.models import Case
from app.extensions import db
from tests.conftest import login
from tests.intake.test_intake_server import form_page, post_form


def test_the_receipt_and_the_status_page_are_never_stored(client, make_enterprise):
    card = issue_card(make_enterprise())
    db.session.commit()
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key)
    receipt = client.get(response.headers["Location"])
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.access_code in receipt.get_data(as_text=True)
    assert receipt.headers["Cache-Control"] == "no-store"
    code_page = client.get(f"/t/{case.tracking_no}")
    assert code_page.headers["Cache-Control"] == "no-store"
    opened = client.post(f"/t/{case.tracking_no}", data={"code": case.access_code},
                         follow_redirects=True)
    assert case.tracking_no in opened.get_data(as_text=True)
    assert opened.headers["Cache-Control"] == "no-store"


def test_staff_pages_and_the_api_are_never_stored(client, world, make_case):
    case = make_case()
    login(client, world.dispatcher.username)
    page = client.get(f"/office/cases/{case.tracking_no}")
    assert "13800138000" in page.get_data(as_text=True)  # the full phone
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/office/").headers["Cache-Control"] == "no-store"
    token = create_api_token(world.dispatcher)
    db.session.commit()
    api = client.get(f"/api/v1/cases/{case.tracking_no}",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"


def test_static_files_and_public_pages_stay_cacheable(client):
    assert client.get("/static/js/countdown.js").headers.get("Cache-Control") != "no-store"
    assert "Cache-Control" not in client.get("/login").headers
