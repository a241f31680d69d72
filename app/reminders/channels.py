"""The outside channels behind one small interface: `send(delivery)`, raising on failure.

In-app needs no channel: the Notification row is the message the handler pages list.
ChannelDown means the server itself is unreachable, so the rest of that channel's (or that
URL's) deliveries in this run are not even tried; OutcomeUnknown means the message went out
and no answer came within the channel's timeout (retried later with the same identity, the
others still tried); any other exception fails one delivery.
"""
from email.message import EmailMessage
from email.utils import formatdate
import json
import smtplib
import ssl
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, unquote, urlsplit
from urllib.request import Request, urlopen

from app.core.clock import local_today
from app.core.timeutil import format_deadline

BRAND = "码上办"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class ChannelDown(Exception):
    """The server did not answer: no point in trying it again in this run."""


class OutcomeUnknown(Exception):
    """The whole message went out and no answer came back in time: the server may have
    accepted it. Not a failure of the channel; resent later with the same identity."""


class Rejected(Exception):
    """The server refused this message for good (an invalid number, a template it will never
    take): no retry, the delivery is given up at once."""


class RetryAt(Exception):
    """Refused for now, with a known time before which a retry is pointless (a provider's
    per-number daily limit: tomorrow morning)."""

    def __init__(self, message: str, at):
        super().__init__(message)
        self.at = at


class _TracksData:
    """Notes when the message content has been handed over after DATA (`content_sent`), so a
    lost reply can be told apart from a failure before the server had the message."""

    content_sent = False
    _data_sends = 0

    def data(self, msg):
        self._data_sends = 1  # the next send() after the DATA command is the content
        try:
            return super().data(msg)
        finally:
            self._data_sends = 0

    def send(self, s):
        super().send(s)
        if self._data_sends:
            self._data_sends += 1
            self.content_sent = self._data_sends > 2


class _SMTP(_TracksData, smtplib.SMTP):
    pass


class _SMTPS(_TracksData, smtplib.SMTP_SSL):
    pass


def shown_target(delivery) -> str:
    """Where a delivery goes, safe for logs: a robot URL carries its secret key in the path or
    query, so only its scheme, host and the recipient's department code are shown; a phone
    number is masked (138****1234)."""
    if delivery.channel == "sms":
        from app.cases.queries import mask_phone
        return mask_phone(delivery.target)
    if delivery.channel != "webhook":
        return delivery.target
    url = urlsplit(delivery.target)
    recipient = delivery.notification.recipient if delivery.notification else None
    department = recipient.department if recipient is not None else None
    code = department.code if department is not None else "*"
    return f"{url.scheme}://{url.hostname or ''} ({code})"


def delivery_identity(delivery, domain: str) -> str:
    """The same id on every attempt of one delivery (`delivery-<id>.notification-<id>@domain`):
    a receiver that saw it already can drop a resend after a crash or an unanswered send."""
    return f"delivery-{delivery.id}.notification-{delivery.notification_id}@{domain}"


def mail_domain(mail_from: str) -> str:
    """The sender's domain, or `mashangban.local` when MAIL_FROM has none."""
    domain = mail_from.rpartition("@")[2].strip(" >")
    return domain or "mashangban.local"


def message_text(notification, base_url: str) -> str:
    lines = [notification.title, "", notification.body]
    if notification.deadline_at and notification.case_id:
        # "This year" is the year the notification was made in, not the year it is sent in.
        made = local_today(notification.created_at) if notification.created_at else None
        lines += ["", f"时限：{format_deadline(notification.deadline_at, made)}"]
    if notification.link:
        lines += ["", f"查看详情：{base_url}{notification.link}"]
    return "\n".join(lines)


class EmailChannel:
    """SMTP from SMTP_URL: smtp://[user:password@]host[:port][?starttls=1], or smtps://."""

    name = "email"

    def __init__(self, url: str, mail_from: str, base_url: str, timeout: float = 10):
        self.url = urlsplit(url)
        self.mail_from = mail_from
        self.base_url = base_url
        self.timeout = timeout
        self._smtp = None

    def key(self, delivery) -> str:
        return "email"

    def _connect(self):
        host, port = self.url.hostname or "127.0.0.1", self.url.port
        try:
            if self.url.scheme == "smtps":
                smtp = _SMTPS(host, port or 465, timeout=self.timeout,
                              context=ssl.create_default_context())
            else:
                smtp = _SMTP(host, port or 25, timeout=self.timeout)
                if parse_qs(self.url.query).get("starttls") == ["1"]:
                    smtp.starttls(context=ssl.create_default_context())
            if self.url.username:
                smtp.login(unquote(self.url.username), unquote(self.url.password or ""))
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelDown(f"SMTP {host}:{port} 无法连接：{exc}") from exc
        return smtp

    def build(self, delivery) -> EmailMessage:
        notification = delivery.notification
        message = EmailMessage()
        message["Subject"] = f"【{BRAND}】{notification.title}"
        message["From"] = self.mail_from
        message["To"] = delivery.target
        message["Date"] = formatdate(localtime=False)
        # Derived from the row, never from the attempt: a resend carries the same id.
        message["Message-ID"] = f"<{delivery_identity(delivery, mail_domain(self.mail_from))}>"
        message["X-Mashangban-Delivery"] = str(delivery.id)
        message.set_content(message_text(notification, self.base_url))
        return message

    def send(self, delivery) -> None:
        message = self.build(delivery)
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        smtp.content_sent = False
        try:
            smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            if smtp.content_sent:  # the reply to the message itself never came
                raise OutcomeUnknown(f"SMTP 已发出邮件但未在 {self.timeout:g} 秒内答复：{exc}") \
                    from exc
            raise ChannelDown(f"SMTP 连接中断：{exc}") from exc

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


class WebhookChannel:
    """A WeCom or DingTalk group robot: POST {"msgtype": "text", "text": {"content": …}}."""

    name = "webhook"

    def __init__(self, base_url: str, timeout: float = 5, domain: str = "mashangban.local"):
        self.base_url = base_url
        self.timeout = timeout
        self.domain = domain

    def key(self, delivery) -> str:
        return f"webhook {delivery.target}"

    @staticmethod
    def payload(notification, base_url) -> dict:
        return {"msgtype": "text",
                "text": {"content": f"【{BRAND}】{message_text(notification, base_url)}"}}

    def send(self, delivery) -> None:
        body = json.dumps(self.payload(delivery.notification, self.base_url),
                          ensure_ascii=False).encode()
        # The robot APIs ignore it; a receiver of our own can dedupe resends on it.
        request = Request(delivery.target, data=body, method="POST",
                          headers={"Content-Type": "application/json; charset=utf-8",
                                   IDEMPOTENCY_HEADER: delivery_identity(delivery, self.domain)})
        try:
            with urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except HTTPError as exc:
            raise RuntimeError(f"机器人返回 HTTP {exc.code}") from exc
        except TimeoutError as exc:  # sent, but the answer did not come (urllib wraps the rest)
            raise OutcomeUnknown(f"机器人已收到请求但未在 {self.timeout:g} 秒内答复") from exc
        except (URLError, ConnectionError) as exc:
            raise ChannelDown(f"机器人地址无法连接：{exc}") from exc
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            errcode = 0  # not a robot's JSON; the HTTP status said it was accepted
        if errcode:
            raise RuntimeError(f"机器人拒收：{answer[:200].decode(errors='replace')}")

    def close(self):
        pass


def channels_from_config(config, base_url: str) -> dict:
    """The channels configured for this process; links in messages start with `base_url`."""
    domain = mail_domain(config.get("MAIL_FROM", ""))
    channels = {"webhook": WebhookChannel(base_url, config["WEBHOOK_TIMEOUT_SECONDS"], domain)}
    if config.get("SMTP_URL"):
        channels["email"] = EmailChannel(config["SMTP_URL"], config.get("MAIL_FROM", ""),
                                         base_url, config["SMTP_TIMEOUT_SECONDS"])
    if config.get("SMS_PROVIDER"):
        from app.sms.channel import SmsChannel
        channels["sms"] = SmsChannel.from_config(config, base_url)
    return channels
