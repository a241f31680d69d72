"""Cards in the app: print batches whose QR codes decode to the enterprises' tokens, revoke."""
import io
import time
from pathlib import Path
import shutil
import subprocess
import zipfile

import pytest

from app.cards import operations as card_ops
from app.cards.models import CardBatch
from app.extensions import db


def decode_pdf(pdf: Path, tmp_path: Path) -> list[str]:
    """Rasterise every page with pdftoppm and read every QR code with zbarimg."""
    for tool in ("pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} missing: `make test` installs poppler-utils and zbar-tools")
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    found = []
    for page in sorted(tmp_path.glob("page*.png")):
        out = subprocess.run(["zbarimg", "--raw", "-q", "-Sqrcode.enable", str(page)],
                             capture_output=True, text=True)
        found += out.stdout.split()
    return found


def test_cli_print_gives_exactly_the_enterprises_tokens(app, runner, make_enterprise, tmp_path):
    chosen = [make_enterprise(is_monitoring_point=True) for _ in range(3)]
    make_enterprise()  # not a monitoring point: must not be printed
    out = tmp_path / "batch.pdf"
    result = runner.invoke(args=["cards", "print", "--monitoring-points", "--out", str(out)])
    assert result.exit_code == 0, result.output
    tokens = {card_ops.current_card(e).token for e in chosen}
    urls = decode_pdf(out, tmp_path)
    assert sorted(u.rsplit("/q/", 1)[1] for u in urls) == sorted(tokens)
    assert db.session.execute(db.select(CardBatch)).scalar_one().card_count == 3


def test_cli_print_refuses_unknown_codes_and_no_selection(runner, make_enterprise, tmp_path):
    result = runner.invoke(args=["cards", "print", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "--all" in result.output
    result = runner.invoke(args=["cards", "print", "--enterprise", "91XXXXXXXXXXXXXXXX",
                                 "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "unknown enterprise" in result.output


def test_revoke_issues_a_new_card_and_keeps_history(app, runner, make_enterprise):
    enterprise = make_enterprise()
    first = card_ops.ensure_current_card(enterprise)
    db.session.commit()
    result = runner.invoke(args=["cards", "revoke", enterprise.credit_code])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    history = card_ops.card_history(enterprise)
    assert [c.id for c in history][0] == first.id and len(history) == 2
    assert history[0].revoked_at is not None and history[0].replaced_by_id == history[1].id
    assert card_ops.current_card(enterprise).id == history[1].id
    listing = runner.invoke(args=["cards", "list", enterprise.credit_code]).output
    assert "revoked" in listing and "valid" in listing and history[1].token in listing


def test_tokens_carry_128_bits_and_are_unique(app, make_enterprise):
    cards = [card_ops.issue_card(make_enterprise()) for _ in range(20)]
    assert len({c.token for c in cards}) == 20
    assert all(len(c.token) >= 22 for c in cards)


def test_office_downloads_a_batch_pdf_and_png_zip(client, login_as, world, make_enterprise):
    for _ in range(2):
        make_enterprise(is_key_enterprise=True)
    login_as(world.dispatcher)
    response = client.post("/cards/", data={"key_enterprises": "y", "layout": "card",
                                            "output": "pdf", "township": "0", "industry": ""})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response = client.post("/cards/", data={"key_enterprises": "y", "layout": "card",
                                            "output": "zip", "township": "0", "industry": ""})
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 2 and all(n.endswith(".png") for n in names)
    batches = db.session.execute(db.select(CardBatch)).scalars().all()
    assert [b.card_count for b in batches] == [2, 2]
    assert all(b.created_by_id == world.dispatcher.id for b in batches)


def test_handlers_cannot_print_cards(client, login_as, world):
    login_as(world.handler)
    assert client.get("/cards/").status_code == 403


def test_revoked_card_url_shows_the_replacement_page_and_the_new_card_works(
        app, client, runner, make_enterprise):
    enterprise = make_enterprise(name="禾丰食品有限公司")
    old = card_ops.ensure_current_card(enterprise)
    db.session.commit()
    assert runner.invoke(args=["cards", "revoke", enterprise.credit_code]).exit_code == 0
    new = card_ops.current_card(enterprise)
    old_page = client.get(f"/q/{old.token}").get_data(as_text=True)
    assert "这张码已更换为新码" in old_page and 'name="content"' in old_page
    new_page = client.get(f"/q/{new.token}")
    assert new_page.status_code == 200
    html = new_page.get_data(as_text=True)
    assert "禾丰食品有限公司" in html and "这张码已更换为新码" not in html


def test_enterprise_card_page_issues_nothing_on_get_only_on_the_button(client, login_as, world,
                                                                        make_enterprise):
    from app.cards.models import Card
    enterprise = make_enterprise(name="禾丰食品有限公司")
    login_as(world.dispatcher)
    html = client.get(f"/cards/enterprise/{enterprise.id}").get_data(as_text=True)
    assert "尚未发码" in html and "生成企业码" in html and "作废旧码" not in html
    db.session.expire_all()
    assert db.session.execute(db.select(Card)).first() is None  # a GET never writes
    response = client.post(f"/cards/enterprise/{enterprise.id}/issue")
    assert response.status_code == 303
    card = card_ops.current_card(enterprise)
    assert card is not None
    html = client.get(f"/cards/enterprise/{enterprise.id}").get_data(as_text=True)
    assert card.serial in html and "尚未发码" not in html
    client.post(f"/cards/enterprise/{enterprise.id}/issue")  # a second press: still one card
    assert db.session.execute(db.select(db.func.count(Card.id))).scalar_one() == 1


def test_print_job_reports_progress_then_a_file_and_a_stalled_one_fails(
        app, client, login_as, world, make_enterprise, fixed_clock):
    from datetime import datetime, timedelta, timezone
    from app.cards.models import CardPrintJob, PrintJobState
    fixed_clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc))
    enterprises = [make_enterprise() for _ in range(3)]
    job = card_ops.start_print_job(enterprises, layout="card", output="zip", actor=world.dispatcher)
    db.session.commit()
    login_as(world.dispatcher)
    status = client.get(f"/cards/jobs/{job.id}.json").get_json()
    assert status["state"] == "queued" and (status["done"], status["total"]) == (0, 3)
    assert status["download_url"] is None
    card_ops.run_print_job(job.id)
    status = client.get(f"/cards/jobs/{job.id}.json").get_json()
    assert status["state"] == "done" and status["done"] == 3 and status["download_url"]
    names = zipfile.ZipFile(io.BytesIO(client.get(status["download_url"]).data)).namelist()
    assert sorted(n.split("-")[0] for n in names) == sorted(e.credit_code for e in enterprises)
    stalled = card_ops.start_print_job(enterprises, layout="card", output="pdf")
    db.session.commit()
    fixed_clock.advance(timedelta(seconds=app.config["CARD_JOB_STALL_SECONDS"] + 1))
    html = client.get(f"/cards/jobs/{stalled.id}").get_data(as_text=True)
    assert "生成中断" in html and "重新生成" in html
    response = client.post(f"/cards/jobs/{stalled.id}/retry")
    assert response.status_code == 303
    again = db.session.execute(db.select(CardPrintJob).order_by(CardPrintJob.id.desc())).scalars().first()
    assert again.id != stalled.id and again.enterprise_ids == stalled.enterprise_ids
    fixed_clock.set(None)  # the builder thread reads the real clock too: let it beat
    for _ in range(200):  # the retry is built by a thread: wait for it before the wipe
        db.session.expire_all()
        if db.session.get(CardPrintJob, again.id).state is PrintJobState.done:
            break
        time.sleep(0.1)
    assert db.session.get(CardPrintJob, again.id).state is PrintJobState.done
