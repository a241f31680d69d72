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
    # Where stored photos and videos live: "local" (MEDIA_ROOT/store, one host) or "s3" (an
    # S3-compatible bucket shared by several hosts; docs/deploy-media.md). Uploads in flight
    # are spooled under MEDIA_ROOT/tmp either way.
    MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "local")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")  # empty: AWS itself
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "auto")  # path | virtual | auto
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
    # Sending is its own scheduler job (docs/reminders.md): every DELIVERY_INTERVAL_SECONDS a
    # run of at most DELIVERY_BATCH sends, by DELIVERY_CONCURRENCY senders (PostgreSQL only;
    # SQLite sends one at a time), run after run while they come back full.
    DELIVERY_INTERVAL_SECONDS = float(os.environ.get("DELIVERY_INTERVAL_SECONDS", 5))
    DELIVERY_BATCH = int(os.environ.get("DELIVERY_BATCH", 500))
    DELIVERY_CONCURRENCY = int(os.environ.get("DELIVERY_CONCURRENCY", 1))
    SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", 30))
    WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    # Text messages to the submitter (docs/sms.md): tencent | aliyun | gateway, or empty (off).
    # SMS_TEMPLATES is JSON: {"received": {"id": …, "text": …, "params": […]}, …}; checked at
    # start, so a template that could exceed the provider's limits refuses to start.
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "")
    SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
    SMS_TEMPLATES = os.environ.get("SMS_TEMPLATES", "")
    SMS_SECRET_ID = os.environ.get("SMS_SECRET_ID", "")  # Tencent SecretId / Alibaba AccessKeyId
    SMS_SECRET_KEY = os.environ.get("SMS_SECRET_KEY", "")
    SMS_SDK_APP_ID = os.environ.get("SMS_SDK_APP_ID", "")  # Tencent SmsSdkAppId
    SMS_REGION = os.environ.get("SMS_REGION", "ap-guangzhou")
    SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "")  # default: the provider's own
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_BODY = os.environ.get("SMS_GATEWAY_BODY", "")
    SMS_GATEWAY_HEADERS = os.environ.get("SMS_GATEWAY_HEADERS", "")
    SMS_GATEWAY_FORMAT = os.environ.get("SMS_GATEWAY_FORMAT", "json")
    SMS_GATEWAY_RESULT_FIELD = os.environ.get("SMS_GATEWAY_RESULT_FIELD", "code")
    SMS_GATEWAY_SUCCESS_VALUES = os.environ.get("SMS_GATEWAY_SUCCESS_VALUES", "0")
    SMS_GATEWAY_PERMANENT_VALUES = os.environ.get("SMS_GATEWAY_PERMANENT_VALUES", "")
    SMS_GATEWAY_MAX_LENGTH = int(os.environ.get("SMS_GATEWAY_MAX_LENGTH", 500))
    SMS_QUIET_HOURS_START = os.environ.get("SMS_QUIET_HOURS_START", "21:00")  # local time
    SMS_QUIET_HOURS_END = os.environ.get("SMS_QUIET_HOURS_END", "08:00")
    SMS_DAILY_CAP = int(os.environ.get("SMS_DAILY_CAP", 10))  # per number per local day
    SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", 10))
    LOCAL_TIMEZONE = "Asia/Shanghai"
    COUNTY_NAME = os.environ.get("COUNTY_NAME", "示范县")

    # Uploads (bytes). Enforced while streaming by the intake domain.
    MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", 10 * 1024 * 1024))
    MAX_VIDEO_BYTES = int(os.environ.get("MAX_VIDEO_BYTES", 100 * 1024 * 1024))
    MAX_CASE_BYTES = int(os.environ.get("MAX_CASE_BYTES", 300 * 1024 * 1024))
    MAX_CONTENT_LENGTH = MAX_CASE_BYTES + 1024 * 1024  # a request body never read past this
    # Uploads of a form nobody submitted are deleted (rows and files) after this many hours.
    PENDING_UPLOAD_MAX_AGE_HOURS = int(os.environ.get("PENDING_UPLOAD_MAX_AGE_HOURS", 24))
    # A stored file no row refers to is deleted by the sweeper once no save has touched it for
    # this long (never while a request runs: another one may be committing the same content).
    MEDIA_ORPHAN_GRACE_HOURS = int(os.environ.get("MEDIA_ORPHAN_GRACE_HOURS", 24))
    # The scheduler's media sweep (store files no row refers to, stale temp files) runs this often.
    MEDIA_SWEEP_EVERY_MINUTES = int(os.environ.get("MEDIA_SWEEP_EVERY_MINUTES", 60))
    # A web batch of this many cards or more is built in the background (docs/cards.md); a
    # queued or running one whose builder has not reported for CARD_JOB_STALL_SECONDS is failed.
    CARD_BACKGROUND_MIN = int(os.environ.get("CARD_BACKGROUND_MIN", 200))
    CARD_JOB_STALL_SECONDS = int(os.environ.get("CARD_JOB_STALL_SECONDS", 300))
    MAX_PHOTOS = int(os.environ.get("MAX_PHOTOS", 9))  # per case, per reply
    MAX_VIDEOS = int(os.environ.get("MAX_VIDEOS", 3))
    # Photos, judged from their headers before decoding: pixels of one image, and pixels one
    # request may decode (after JPEG draft scaling) across all its photos. See docs/security.md.
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", 40_000_000))
    MAX_REQUEST_PIXELS = int(os.environ.get("MAX_REQUEST_PIXELS", 120_000_000))
    INTAKE_RATELIMIT_IP = os.environ.get("INTAKE_RATELIMIT_IP", "10 per minute")
    INTAKE_RATELIMIT_CARD = os.environ.get("INTAKE_RATELIMIT_CARD", "30 per hour")
    INTAKE_RATELIMIT_UPLOADS = os.environ.get("INTAKE_RATELIMIT_UPLOADS", "60 per minute")
    ACCESS_CODE_RATELIMIT = os.environ.get("ACCESS_CODE_RATELIMIT", "30 per hour")

    # memory:// counts per process: with several workers or hosts a limit is multiplied by
    # their number. Production requires an explicit storage (redis://…); `make run` uses the
    # local Redis when one answers. The prefix keeps counties sharing one Redis apart.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "mashangban")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # While Redis is unreachable, count in each process's memory (the same limits, per process)
    # rather than answer 500 to a form or a login; Flask-Limiter checks back and returns to
    # Redis when it answers. Short timeouts so a dead Redis host costs a request 2 s, not minutes.
    # /readyz reports the outage. See docs/security.md.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit

    # Wrong passwords for one name from one address before that address must wait (other
    # addresses can still log in to the account); also the second-factor lock (app/auth/totp.py).
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # Password checks cost ~0.76 s of CPU each. Per address generously (a township office sits
    # behind one NAT address: 40 staff with a typo each in one minute), per typed name strictly;
    # several limits may be given, separated by ";". See docs/security.md.
    LOGIN_RATELIMIT_IP = os.environ.get("LOGIN_RATELIMIT_IP", "120 per minute")
    LOGIN_RATELIMIT_USERNAME = os.environ.get("LOGIN_RATELIMIT_USERNAME", "10 per minute")
    ACCESS_CODE_MAX_FAILURES = 5
    ACCESS_CODE_LOCK_MINUTES = 15

    # Production (docs/deploy.md). How many reverse proxies in front of the app append to
    # X-Forwarded-For/-Proto/-Host: 0 (default) ignores those headers, so a client cannot
    # spoof its address; 1 behind one nginx. Rate limits, login throttling, audit events and
    # logs then see the client's address (Werkzeug's ProxyFix).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    # "json": one JSON object per log line, each with the request id; anything else: text.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
    # Who may read /metrics (Prometheus): a bearer token and/or addresses or networks
    # ("10.0.0.5,10.1.0.0/16"). Neither set: /metrics answers 404. Both set: both must match.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    METRICS_ALLOWED_ADDRESSES = os.environ.get("METRICS_ALLOWED_ADDRESSES", "")
    # Where pg_dump/pg_restore live for `flask backup` (empty: the PATH), e.g.
    # /usr/lib/postgresql/16/bin when the server is newer than the default client.
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    SCHEDULER = False
    # Cheap hashes keep the suite fast; the algorithm (argon2id) is the same.
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    BASE_URL = "http://testserver"


SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_DISTINCT = 10  # a hex key (16 symbols) passes; "aaaa…" or "abab…" does not
MAKE_SECRET_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def secret_key_problem(key) -> str | None:
    """Why `key` cannot sign production cookies (a Chinese message), or None if it can.

    Anyone who knows or guesses the key forges a session for any user: it must be long, not
    the development default, not a repeated pattern, and made of many different characters."""
    key = key if isinstance(key, str) else (key or b"").decode("latin-1")
    if not key or key == DEFAULT_SECRET_KEY:
        problem = "未设置 SECRET_KEY（或仍是开发用的默认值）"
    elif len(key) < SECRET_KEY_MIN_LENGTH:
        problem = f"SECRET_KEY 太短（{len(key)} 个字符，至少需要 {SECRET_KEY_MIN_LENGTH} 个）"
    elif len(set(key)) < SECRET_KEY_MIN_DISTINCT or key in (key + key)[1:-1]:
        problem = "SECRET_KEY 过于简单（字符种类太少或是重复的片段）"
    else:
        return None
    return f"{problem}，生产环境拒绝启动。请用以下命令生成一个随机密钥并写入环境变量 SECRET_KEY：{MAKE_SECRET_KEY}"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # Strict-Transport-Security: browsers that once reached the site over HTTPS never use plain
    # HTTP for it again, for this many seconds (0 turns the header off).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))
    # No default: where rate limits are counted is a decision for each deployment (memory://
    # is right only for one worker on one host; anything more needs redis://…).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")

    @classmethod
    def check(cls, config):
        """Refuse to start with settings that are only safe on a laptop."""
        problem = secret_key_problem(config.get("SECRET_KEY"))
        if problem:
            raise RuntimeError(problem)
        if not (config.get("RATELIMIT_STORAGE_URI") or "").strip():
            raise RuntimeError(
                "未设置 RATELIMIT_STORAGE_URI，生产环境拒绝启动：限流计数须存放在各进程、各主机共享的"
                "位置，例如 RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0（只有单进程单主机时才可"
                "显式设为 memory://）")


configs = {"development": Config, "testing": TestingConfig, "production": ProductionConfig}
