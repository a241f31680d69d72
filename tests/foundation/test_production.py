"""APP_ENV=production refuses a weak SECRET_KEY (issue 16 item 11) and sends
Strict-Transport-Security (item 12)."""
import secrets

import pytest

from app import create_app
from config import ProductionConfig


def production(database_url, tmp_path, key):
    class Config(ProductionConfig):
        SECRET_KEY = key
        SQLALCHEMY_DATABASE_URI = database_url
        MEDIA_ROOT = str(tmp_path / "media")
        SCHEDULER = False
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
    return Config


@pytest.mark.parametrize("key", [
    "", "x", "dev-not-secret-change-me", "a" * 40, "ab" * 20, "0123456789" * 4,
    "short-but-varied-Key-9"])
def test_production_refuses_a_weak_secret_key_and_says_how_to_make_one(migrated, tmp_path, key):
    with pytest.raises(RuntimeError) as refused:
        create_app(production(migrated, tmp_path, key))
    message = str(refused.value)
    assert "SECRET_KEY" in message and "secrets.token_urlsafe(48)" in message


def test_production_starts_with_a_generated_key_and_sends_hsts(migrated, tmp_path):
    app = create_app(production(migrated, tmp_path, secrets.token_urlsafe(48)))
    response = app.test_client().get("/login")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    hex_key = create_app(production(migrated, tmp_path, secrets.token_hex(32)))
    assert hex_key.secret_key


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_production_refuses_to_start_without_an_explicit_rate_limit_storage(migrated, tmp_path):
    """Issue 16 item 9: memory:// by default would count per worker in production."""
    config = production(migrated, tmp_path, secrets.token_urlsafe(48))
    config.RATELIMIT_STORAGE_URI = ""
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(config)
