"""The office prints cards from the web, in Chromium with CSRF on (issue 19 item 1): filter,
download a small batch (its QR codes decode to the chosen enterprises' tokens), a large batch
built in the background with its progress shown, and one enterprise's card alone."""
from app.cards import operations as card_ops
from app.cards.models import CardBatch, CardPrintJob, PrintJobState
from app.extensions import db
from tests.cards.test_cards import decode_pdf
from tests.conftest import browser_login, screenshots_dir

SCREENSHOTS = screenshots_dir()


def tokens_of(enterprises) -> list[str]:
    db.session.expire_all()
    return sorted(card_ops.current_card(e).token for e in enterprises)


def tokens_in(pdf_path, tmp_path) -> list[str]:
    return sorted(url.rsplit("/q/", 1)[1] for url in decode_pdf(pdf_path, tmp_path))


def logged_in_at_cards(page, user):
    browser_login(page, user.username)
    page.wait_for_load_state()
    page.goto("/cards/")


def test_office_filters_and_downloads_a_small_batch(desk_page, world, make_enterprise, tmp_path):
    page = desk_page
    chosen = [make_enterprise(is_key_enterprise=True) for _ in range(3)]
    make_enterprise()  # not a key enterprise
    logged_in_at_cards(page, world.dispatcher)
    page.check("input[name=key_enterprises]")
    page.click("button[value=filter]")
    page.wait_for_load_state()
    assert "csrf_token" not in page.url and "key_enterprises=y" in page.url
    assert page.locator("#download").inner_text() == "下载所选企业的码（3张）"
    page.screenshot(path=str(SCREENSHOTS / "cards-index-desk.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#download")
    pdf = tmp_path / "batch.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert tokens_in(pdf, tmp_path) == tokens_of(chosen)
    batch = db.session.execute(db.select(CardBatch)).scalar_one()
    assert batch.card_count == 3 and batch.created_by_id == world.dispatcher.id


def test_large_batch_is_built_in_the_background_with_progress(desk_page, app, world,
                                                              make_enterprise, tmp_path):
    app.config["CARD_BACKGROUND_MIN"] = 5  # "large" from 5 cards, so the test stays fast
    page = desk_page
    chosen = [make_enterprise(is_monitoring_point=True) for _ in range(12)]
    polled = []
    page.on("response", lambda r: polled.append(r.json()) if r.url.endswith(".json") else None)
    logged_in_at_cards(page, world.dispatcher)
    page.check("input[name=monitoring_points]")
    page.click("button[value=filter]")
    page.wait_for_load_state()
    page.click("#download")
    page.wait_for_url("**/cards/jobs/*")
    progress = page.locator("#job-progress")
    assert progress.get_attribute("max") == "12"
    page.screenshot(path=str(SCREENSHOTS / "cards-job-desk.png"), full_page=True)
    link = page.locator("#job-download")
    link.wait_for(timeout=60_000)
    assert progress.get_attribute("value") == "12" and "已完成" in page.content()
    assert all(p["total"] == 12 and 0 <= p["done"] <= 12 for p in polled)
    with page.expect_download() as info:
        link.click()
    pdf = tmp_path / "large.pdf"
    info.value.save_as(pdf)
    assert tokens_in(pdf, tmp_path) == tokens_of(chosen)
    db.session.expire_all()
    job = db.session.execute(db.select(CardPrintJob)).scalar_one()
    assert job.state is PrintJobState.done and job.created_by_id == world.dispatcher.id
    assert job.batch.card_count == 12 and "后台" in job.batch.note


def test_one_enterprise_card_downloads_from_its_page(phone_page, world, make_enterprise,
                                                     tmp_path):
    page = phone_page
    enterprise = make_enterprise(name="禾丰食品有限公司")
    card_ops.ensure_current_card(enterprise)
    db.session.commit()
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    page.goto(f"/cards/enterprise/{enterprise.id}")
    page.screenshot(path=str(SCREENSHOTS / "cards-enterprise-phone.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#single-download button[type=submit]")
    pdf = tmp_path / "one.pdf"
    info.value.save_as(pdf)
    assert tokens_in(pdf, tmp_path) == tokens_of([enterprise])
    assert db.session.execute(db.select(CardBatch)).scalar_one().card_count == 1
