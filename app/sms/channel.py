"""The `sms` channel of the delivery job: a text message to a case's submitter.

A delivery's target is the phone number; its notification (kind sms_<kind>, no recipient user)
names the case and the template. The parameters are read from the case when it is sent (the
same values every attempt), the per-number daily cap is checked first, and the provider
(app/sms/providers.py) does the rest."""
from sqlalchemy import func

from app.core.clock import utcnow
from app.extensions import db
from app.reminders.channels import Rejected, delivery_identity
from app.reminders.models import Delivery, DeliveryStatus
from app.sms.providers import PROVIDER_CLASSES
from app.sms.settings import KIND_PREFIX, local_day_start, sms_settings


def sent_today(phone: str, now) -> int:
    """Text messages sent to `phone` since local midnight (ix_deliveries_target_sent_at)."""
    return db.session.scalar(
        db.select(func.count()).select_from(Delivery)
        .where(Delivery.target == phone, Delivery.channel == "sms",
               Delivery.status == DeliveryStatus.sent,
               Delivery.sent_at >= local_day_start(now)))


class SmsChannel:
    name = "sms"

    def __init__(self, settings, base_url: str, config):
        self.settings = settings
        self.base_url = base_url
        self.config = config
        self.provider = PROVIDER_CLASSES[settings.provider](settings, utcnow, config)

    @classmethod
    def from_config(cls, config, base_url: str):
        return cls(sms_settings(config), base_url, config)

    def key(self, delivery) -> str:
        return "sms"

    def send(self, delivery) -> None:
        notification = delivery.notification
        kind = notification.kind.removeprefix(KIND_PREFIX)
        template = self.settings.templates.get(kind)
        if template is None or notification.case is None:
            raise Rejected(f"短信模板“{kind}”已不在配置中")
        if sent_today(delivery.target, utcnow()) >= self.settings.daily_cap:
            raise Rejected(f"该号码今日已发送{self.settings.daily_cap}条短信，达到每日上限"
                           "（SMS_DAILY_CAP）")
        values = template.values(notification.case, self.base_url, self.config)
        self.provider.send(delivery.target, template, values,
                           delivery_identity(delivery, "sms"))

    def close(self):
        pass
