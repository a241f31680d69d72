"""The public base URL: where the office actually serves the app, so where every QR code, e-mail
link and printed address points. The admin sees and edits it on the branding page; until they
do, it is the BASE_URL the process was started with. Web pages, the CLI, e-mail and webhook
links and card batches all read it here, so a card printed from the command line points where
the office serves, not where the operator's shell happened to say."""
from urllib.parse import urlsplit

from flask import current_app

from app.settings.operations import setting_value, store_setting

KEY = "public.base_url"
MAX_LENGTH = 200


class PublicUrlError(ValueError):
    pass


def public_base_url() -> str:
    """The address the QR codes and links point to, without a trailing slash."""
    return setting_value(KEY) or current_app.config["BASE_URL"].rstrip("/")


def is_public_base_url_set() -> bool:
    return setting_value(KEY) is not None


def clean_public_base_url(text: str) -> str:
    """An absolute http(s) address with a host and nothing after the path; or PublicUrlError
    with the message the admin reads."""
    text = (text or "").strip().rstrip("/")
    if not text:
        raise PublicUrlError("对外访问地址不能为空")
    if len(text) > MAX_LENGTH:
        raise PublicUrlError(f"对外访问地址不能超过{MAX_LENGTH}个字符")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise PublicUrlError("对外访问地址格式不正确") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublicUrlError("对外访问地址须以 http:// 或 https:// 开头，并包含域名或IP")
    if parts.query or parts.fragment or any(c.isspace() for c in text):
        raise PublicUrlError("对外访问地址不能含空格、“?”或“#”")
    return text


def save_public_base_url(text: str) -> str:
    """Store the address (validated); flush, never commit. Returns what was stored."""
    value = clean_public_base_url(text)
    store_setting(KEY, value)
    return value
