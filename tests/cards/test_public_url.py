"""The public base URL: one setting the admin edits, read by the web, the CLI, e-mail links and
every printed batch."""
import pytest

from app.auth.models import Role
from app.cards import operations as card_ops
from app.cards.models import CardBatch
from app.extensions import db
from app.reminders.channels import channels_from_config
from app.settings.public_url import public_base_url
from tests.cards.test_cards import decode_pdf

PUBLIC = "https://msb.example.gov.cn/county"
BRANDING = {"county_name": "示范县", "brand": "馆满意", "slogan": "您码上说，我马上办",
            "hotline": "12345"}


def test_until_the_admin_sets_it_the_address_is_base_url(app, client, login_as, world):
    assert public_base_url() == "http://testserver"
    page = login_as(world.admin).get("/admin/branding").get_data(as_text=True)
    assert 'value="http://testserver"' in page and "取自启动时的 BASE_URL" in page


def test_admin_sets_the_address_and_cli_cards_page_mail_and_batch_use_it(
        app, client, login_as, world, make_enterprise, runner, tmp_path):
    login_as(world.admin)
    response = client.post("/admin/branding", data=BRANDING | {"base_url": PUBLIC + "/"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert public_base_url() == PUBLIC  # the trailing slash dropped

    enterprise = make_enterprise()
    out = tmp_path / "batch.pdf"
    result = runner.invoke(args=["cards", "print", "--enterprise", enterprise.credit_code,
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    card = card_ops.current_card(enterprise)
    assert decode_pdf(out, tmp_path) == [f"{PUBLIC}/q/{card.token}"]
    assert db.session.execute(db.select(CardBatch)).scalar_one().base_url == PUBLIC

    page = client.get(f"/cards/enterprise/{enterprise.id}").get_data(as_text=True)
    assert f"{PUBLIC}/q/{card.token}" in page
    history = runner.invoke(args=["cards", "list", enterprise.credit_code])
    assert f"{PUBLIC}/q/{card.token}" in history.output, history.output

    channels = channels_from_config(app.config | {"SMTP_URL": "smtp://127.0.0.1:1"},
                                    public_base_url())
    assert channels["email"].base_url == PUBLIC and channels["webhook"].base_url == PUBLIC


@pytest.mark.parametrize("value,message", [
    ("", "对外访问地址不能为空"),
    ("ftp://files.example.cn", "须以 http:// 或 https:// 开头"),
    ("javascript:alert(1)", "须以 http:// 或 https:// 开头"),
    ("https://", "须以 http:// 或 https:// 开头"),
    ("https://a.cn/?x=1", "不能含空格"),
    ("https://a.cn:99999", "格式不正确"),
    ("https://" + "a" * 200 + ".cn", "不能超过200个字符"),
])
def test_a_bad_address_is_refused_in_chinese_and_nothing_is_saved(
        app, client, login_as, world, value, message):
    login_as(world.admin)
    response = client.post("/admin/branding", data=BRANDING | {"county_name": "临清市",
                                                                "base_url": value})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert public_base_url() == "http://testserver"
    from app.settings.branding import get_branding
    assert get_branding()["county_name"] == "示范县"  # the valid fields were not saved either


def test_only_admins_edit_the_address(client, login_as, world):
    login_as(world.dispatcher)
    response = client.post("/admin/branding", data=BRANDING | {"base_url": PUBLIC})
    assert response.status_code in (302, 403)
    assert public_base_url() == "http://testserver"
    assert world.dispatcher.role is Role.dispatcher
