"""Configuration read from the environment, with safe defaults for local use."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-not-secret-change-me"


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _webhook_urls():
    """Parse WEBHOOK_URLS="DEPTCODE=url,DEPTCODE=url" plus a default WEBHOOK_URL."""
    urls = {}
    for item in filter(None, os.environ.get("WEBHOOK_URLS", "").split(",")):
        code, _, url = item.partition("=")
        if url:
            urls[code.strip()] = url.strip()
    if os.environ.get("WEBHOOK_URL"):
        urls.setdefault("*", os.environ["WEBHOOK_URL"])
    return urls


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'mashangban.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "instance" / "media"))
    SMTP_URL = os.environ.get("SMTP_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@mashangban.local")
    WEBHOOK_URLS = _webhook_urls()
    SCHEDULER = _env_bool("SCHEDULER", False)
    SCHEDULER_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", 60))
    QUIET_HOURS_START = os.environ.get("QUIET_HOURS_START", "22:00")  # local time
    QUIET_HOURS_END = os.environ.get("QUIET_HOURS_END", "08:30")
    DIGEST_TIME = os.environ.get("DIGEST_TIME", "08:30")
    # The retry schedule (docs/reminders.md): wait BACKOFF, 2×, 4× … at most BACKOFF_MAX
    # after each failed attempt; give up after MAX_ATTEMPTS (16: about 10 hours of outage).
    DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", 16))
    DELIVERY_BACKOFF_SECONDS = int(os.environ.get("DELIVERY_BACKOFF_SECONDS", 60))
    DELIVERY_BACKOFF_MAX_SECONDS = int(os.environ.get("DELIVERY_BACKOFF_MAX_SECONDS", 3600))
    # How long each channel waits for its server's answer (a send after it is "unknown").
    SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", 30))
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    LOCAL_TIMEZONE = "Asia/Shanghai"
    COUNTY_NAME = os.environ.get("COUNTY_NAME", "示范县")

    # Uploads (bytes). Enforced while streaming by the intake domain.
    MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", 10 * 1024 * 1024))
    MAX_VIDEO_BYTES = int(os.environ.get("MAX_VIDEO_BYTES", 100 * 1024 * 1024))
    MAX_CASE_BYTES = int(os.environ.get("MAX_CASE_BYTES", 300 * 1024 * 1024))
    MAX_CONTENT_LENGTH = MAX_CASE_BYTES + 1024 * 1024  # a request body never read past this
    # Uploads of a form nobody submitted are deleted (rows and files) after this many hours.
    PENDING_UPLOAD_MAX_AGE_HOURS = int(os.environ.get("PENDING_UPLOAD_MAX_AGE_HOURS", 24))
    MAX_PHOTOS = int(os.environ.get("MAX_PHOTOS", 9))  # per case, per reply
    MAX_VIDEOS = int(os.environ.get("MAX_VIDEOS", 3))
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", 60_000_000))  # decompression bombs
    INTAKE_RATELIMIT_IP = os.environ.get("INTAKE_RATELIMIT_IP", "10 per minute")
    INTAKE_RATELIMIT_CARD = os.environ.get("INTAKE_RATELIMIT_CARD", "30 per hour")
    INTAKE_RATELIMIT_UPLOADS = os.environ.get("INTAKE_RATELIMIT_UPLOADS", "60 per minute")
    ACCESS_CODE_RATELIMIT = os.environ.get("ACCESS_CODE_RATELIMIT", "30 per hour")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit

    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    ACCESS_CODE_MAX_FAILURES = 5
    ACCESS_CODE_LOCK_MINUTES = 15


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    SCHEDULER = False
    # Cheap hashes keep the suite fast; the algorithm (argon2id) is the same.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    BASE_URL = "http://testserver"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def check(cls):
        """Refuse to start with settings that are only safe on a laptop."""
        if cls.SECRET_KEY == DEFAULT_SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set in production")


configs = {"development": Config, "testing": TestingConfig, "production": ProductionConfig}
