"""Branding shown on the public pages and cards: Setting rows with defaults."""
from flask import current_app

from app.extensions import db
from app.settings.models import Setting
from app.settings.operations import store_setting

BRANDING_FIELDS = {
    "county_name": "县（市、区）名称",
    "brand": "品牌名称",
    "slogan": "宣传语",
    "hotline": "服务热线",
}
MAX_LENGTH = {"county_name": 20, "brand": 20, "slogan": 40, "hotline": 20}


def branding_defaults() -> dict[str, str]:
    return {"county_name": current_app.config.get("COUNTY_NAME", "示范县"), "brand": "馆满意",
            "slogan": "您码上说，我马上办", "hotline": "12345"}


def get_branding() -> dict[str, str]:
    values = branding_defaults()
    rows = db.session.execute(db.select(Setting).where(
        Setting.key.in_([f"branding.{k}" for k in BRANDING_FIELDS]))).scalars()
    for row in rows:
        values[row.key.removeprefix("branding.")] = row.value
    return values


class BrandingError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def save_branding(values: dict[str, str]) -> None:
    """Store the branding texts; flush, never commit."""
    errors = {}
    cleaned = {}
    for key, label in BRANDING_FIELDS.items():
        text = (values.get(key) or "").strip()
        if not text:
            errors[key] = f"{label}不能为空"
        elif len(text) > MAX_LENGTH[key]:
            errors[key] = f"{label}不能超过{MAX_LENGTH[key]}字"
        cleaned[key] = text
    if errors:
        raise BrandingError(errors)
    for key, text in cleaned.items():
        store_setting(f"branding.{key}", text)
