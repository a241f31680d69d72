"""Input PostgreSQL cannot take (NUL bytes, huge ids) is a 400/404, and the 500 page survives a
database error: every test here runs on SQLite and on PostgreSQL."""
import pytest

from app.auth.models import Role, User
from app.cards.operations import issue_card
from app.extensions import db
from tests.conftest import PASSWORD, login


@pytest.fixture(autouse=True)
def errors_become_pages(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as a 500, not raise here


def test_nul_byte_in_path_query_or_form_is_a_400_chinese_page(client, world, make_enterprise):
    issue_card(make_enterprise())
    db.session.commit()
    for response in (client.get("/q/abc%00def"),
                     client.post("/t/MS%00X", data={"code": "123456"}),
                     client.post("/login", data={"username": "a\x00b", "password": "x" * 9})):
        assert response.status_code == 400
        assert "空字符" in response.get_data(as_text=True)
    login(client, "dispatcher")
    response = client.get("/office/cases?q=a%00b")
    assert response.status_code == 400 and "空字符" in response.get_data(as_text=True)


def test_nul_byte_in_api_json_is_a_400_json_error(client, world):
    from app.auth.operations import create_api_token
    token = create_api_token(world.dispatcher)
    db.session.commit()
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {token}"},
                           json={"source": "hotline", "category": "other",
                                 "content": "内容\x00内容内容", "anonymous": True})
    assert response.status_code == 400
    assert response.json["error"] == "bad_request" and "空字符" in response.json["message"]


def test_id_too_big_for_an_integer_column_is_a_404(client, world):
    login(client, "admin")
    assert client.get("/admin/enterprises/99999999999999999999").status_code == 404
    assert client.get("/admin/users/2147483648").status_code == 404


def test_500_page_renders_for_a_logged_in_user_after_a_database_error(app, client, make_user):
    user = make_user(Role.dispatcher, username="crasher", display_name="崩溃测试员")

    def duplicate_username():
        db.session.add(User(username="crasher", display_name="x", role=Role.dispatcher,
                            password_hash="x"))
        db.session.flush()  # IntegrityError: the session now needs a rollback on both databases
    app.add_url_rule("/test-only/duplicate", view_func=duplicate_username)
    assert login(client, user.username, PASSWORD).status_code == 302
    response = client.get("/test-only/duplicate")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "系统出了点问题" in page and "崩溃测试员" in page  # the full page, top bar included
