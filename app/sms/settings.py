"""The SMS configuration, read and checked once: provider, 签名, a template per message kind.

Mainland providers send only approved templates (签名 + 模板 ID + parameters) and limit each
parameter's length by its declared type and the whole message's length. Every template here
says which value fills each parameter, and each value has a known longest form (a 受理编号 is
always 13 characters, a 查询码 6), so a message that could ever be too long is refused when the
configuration is read — at app start and by `flask sms check` — never when it is sent.
See docs/sms.md.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import json
import re
from urllib.parse import urlsplit

from flask import current_app

from app.core.timeutil import LOCAL_TZ
from app.reminders.notify import quiet_end
from app.settings.public_url import MAX_LENGTH as PUBLIC_URL_MAX

# The messages to a submitter: kind -> what the admin and the docs call it.
KINDS = {
    "received": "受理回执",  # 受理编号, 查询码, link: the only one sent in the quiet hours
    "dispatched": "已交办",
    "replied": "已答复",
    "reopened": "重新办理",
    "closed": "已办结",
    "rectified": "整改反馈",  # the 差评 follow-up (another part of issue 20 calls it)
}
RECEIPT = "received"
KIND_PREFIX = "sms_"  # Notification.kind of a text message: sms_<kind>
PROVIDERS = {"tencent": "腾讯云短信", "aliyun": "阿里云短信", "gateway": "HTTP 短信网关"}

STATUS_PATH = "/t/"  # the public status page of a case: /t/<受理编号>
TRACKING_NO_LENGTH = len("MS2611-7KQ4MC")  # app.cases.operations.new_tracking_no: always 13


@dataclass(frozen=True)
class Value:
    """What a template parameter can carry: its longest form and how it is read from a case."""
    label: str
    max_length: object  # int, or a function of the app config
    read: object  # (case, base_url, config) -> str

    def longest(self, config) -> int:
        return self.max_length(config) if callable(self.max_length) else self.max_length


VALUES = {
    "tracking_no": Value("受理编号", TRACKING_NO_LENGTH, lambda case, base, config: case.tracking_no),
    "access_code": Value("查询码", 6, lambda case, base, config: case.access_code),
    # The whole status link: only for a gateway that takes links in parameters (Tencent and
    # Alibaba do not: their template carries the address, the parameter the 受理编号).
    "link": Value("状态页链接", PUBLIC_URL_MAX + len(STATUS_PATH) + TRACKING_NO_LENGTH,
                  lambda case, base, config: f"{base}{STATUS_PATH}{case.tracking_no}"),
    "county": Value("县名", lambda config: len(config.get("COUNTY_NAME", "")),
                    lambda case, base, config: config.get("COUNTY_NAME", "")),
}

# Each provider's parameter types and their longest value (characters), as documented when
# this was written (docs/sms.md cites the pages); a template approved with a longer variable
# says so with "max" on the parameter. None: the type is not allowed (a link in a variable).
PARAM_TYPES = {
    "tencent": {"code": 6, "number": 32, "text": 35, "link": None},
    "aliyun": {"code": 6, "number": 32, "text": 35, "link": None},
    "gateway": {"code": 6, "number": 32, "text": 70, "link": 300},
}
TOTAL_MAX = {"tencent": 500, "aliyun": 500}  # 签名 + text with every parameter at its longest
PLACEHOLDER_RE = re.compile(r"\$?\{([A-Za-z0-9_]+)\}")


class SmsConfigError(ValueError):
    """The SMS configuration cannot work; the message says what to change."""


@dataclass(frozen=True)
class Param:
    name: str  # the placeholder: "1" for Tencent's {1}, "code" for Alibaba's ${code}
    value: str  # a key of VALUES
    type: str
    max: int  # the longest value the provider takes for it


@dataclass(frozen=True)
class Template:
    kind: str
    id: str
    text: str  # the approved text, placeholders as {1} or ${name}
    params: tuple

    def values(self, case, base_url: str, config) -> list[tuple[str, str]]:
        return [(p.name, VALUES[p.value].read(case, base_url, config)) for p in self.params]

    def render(self, values, sign_name: str) -> str:
        """The message as the phone shows it: 【签名】 and the text with its parameters."""
        filled = dict(values)
        body = PLACEHOLDER_RE.sub(lambda m: filled.get(m.group(1), m.group(0)), self.text)
        return f"【{sign_name}】{body}" if sign_name else body

    def longest(self, sign_name: str, config) -> int:
        """The message's length with every parameter at its longest."""
        return len(self.render([(p.name, "x" * VALUES[p.value].longest(config))
                                for p in self.params], sign_name))


@dataclass(frozen=True)
class SmsSettings:
    provider: str
    sign_name: str
    templates: dict
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    daily_cap: int = 10
    timeout: float = 10.0
    options: dict = field(default_factory=dict)  # provider credentials, endpoint, gateway shape


def _clock_text(value, key) -> str:
    text = str(value or "").strip()
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise SmsConfigError(f"{key} 须为 HH:MM（24小时制），现为“{text}”")
    return text


def _templates_json(raw):
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw or "{}")
    except ValueError as exc:
        raise SmsConfigError(f"SMS_TEMPLATES 不是合法的 JSON：{exc}") from None
    if not isinstance(parsed, dict):
        raise SmsConfigError("SMS_TEMPLATES 须为 JSON 对象：{\"消息类型\": {\"id\": …}}")
    return parsed


def _template(kind, spec, provider, sign_name, config) -> Template:
    where = f"SMS_TEMPLATES 的“{kind}”（{KINDS[kind]}）"
    if not isinstance(spec, dict):
        raise SmsConfigError(f"{where} 须为对象，含 id、text、params")
    template_id = str(spec.get("id") or "").strip()
    text = str(spec.get("text") or "")
    if not template_id:
        raise SmsConfigError(f"{where} 缺少模板 ID（id）")
    if not text.strip():
        raise SmsConfigError(f"{where} 缺少审核通过的模板正文（text），用于计算长度和留存发送内容")
    types = PARAM_TYPES[provider]
    params = []
    for i, item in enumerate(spec.get("params") or [], 1):
        if not isinstance(item, dict):
            raise SmsConfigError(f"{where} 的第{i}个变量须为对象：{{\"name\", \"value\", \"type\"}}")
        name = str(item.get("name") or (str(i) if provider == "tencent" else "")).strip()
        value, type_ = item.get("value"), item.get("type", "text")
        if not name:
            raise SmsConfigError(f"{where} 的第{i}个变量缺少变量名（name）")
        if value not in VALUES:
            raise SmsConfigError(f"{where} 的变量 {name} 取值“{value}”未知，可用："
                                 + "、".join(f"{k}（{v.label}）" for k, v in VALUES.items()))
        if type_ not in types:
            raise SmsConfigError(f"{where} 的变量 {name} 类型“{type_}”未知，"
                                 f"{PROVIDERS[provider]}可用：" + "、".join(types))
        limit = item.get("max", types[type_])
        if limit is None:
            raise SmsConfigError(
                f"{where} 的变量 {name}：{PROVIDERS[provider]}不允许在模板变量中传链接。请把对外访问"
                f"地址写入模板正文（如 https://…/t/{{1}}），变量传受理编号（tracking_no）")
        if not isinstance(limit, int) or limit <= 0:
            raise SmsConfigError(f"{where} 的变量 {name} 的 max 须为正整数")
        longest = VALUES[value].longest(config)
        if longest > limit:
            raise SmsConfigError(
                f"{where} 的变量 {name}（{VALUES[value].label}，最长{longest}字）超过"
                f"{PROVIDERS[provider]}“{type_}”类变量的上限{limit}字：请换用更长的变量类型、"
                f"在模板审核通过更长变量后设置 max，或不在短信中使用该值")
        params.append(Param(name, value, type_, limit))
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise SmsConfigError(f"{where} 的变量名重复：{'、'.join(names)}")
    placeholders = PLACEHOLDER_RE.findall(text)
    missing = [n for n in placeholders if n not in names]
    unused = [n for n in names if n not in placeholders]
    if missing or unused:
        raise SmsConfigError(f"{where} 的正文变量与 params 不一致："
                             + (f"正文中的 {'、'.join(missing)} 没有取值；" if missing else "")
                             + (f"params 中的 {'、'.join(unused)} 不在正文中" if unused else ""))
    template = Template(kind, template_id, text, tuple(params))
    total_max = TOTAL_MAX.get(provider) or int(config.get("SMS_GATEWAY_MAX_LENGTH") or 500)
    longest = template.longest(sign_name, config)
    if longest > total_max:
        raise SmsConfigError(f"{where} 含签名和最长变量共{longest}字，超过{PROVIDERS[provider]}"
                             f"单条模板短信的上限{total_max}字")
    return template


REQUIRED_OPTIONS = {
    "tencent": ("SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_SDK_APP_ID"),
    "aliyun": ("SMS_SECRET_ID", "SMS_SECRET_KEY"),
    "gateway": ("SMS_GATEWAY_URL", "SMS_GATEWAY_BODY"),
}
OPTION_KEYS = ("SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_SDK_APP_ID", "SMS_REGION", "SMS_ENDPOINT",
               "SMS_GATEWAY_URL", "SMS_GATEWAY_BODY", "SMS_GATEWAY_HEADERS",
               "SMS_GATEWAY_FORMAT", "SMS_GATEWAY_RESULT_FIELD", "SMS_GATEWAY_SUCCESS_VALUES",
               "SMS_GATEWAY_PERMANENT_VALUES")


def _gateway_json(config, key, kind):
    raw = config.get(key) or ("{}" if key == "SMS_GATEWAY_HEADERS" else "")
    try:
        value = raw if isinstance(raw, dict) else json.loads(raw)
    except ValueError as exc:
        raise SmsConfigError(f"{key} 不是合法的 JSON：{exc}") from None
    if not isinstance(value, dict):
        raise SmsConfigError(f"{key} 须为 JSON 对象（{kind}）")
    return value


def read_settings(config) -> SmsSettings | None:
    """The SMS settings of `config`, or None when SMS_PROVIDER is not set; SmsConfigError
    (a Chinese message naming the key) when they cannot work."""
    provider = (config.get("SMS_PROVIDER") or "").strip().lower()
    if not provider:
        return None
    if provider not in PROVIDERS:
        raise SmsConfigError(f"SMS_PROVIDER“{provider}”未知，可选：" + "、".join(
            f"{k}（{v}）" for k, v in PROVIDERS.items()))
    options = {key: config.get(key) for key in OPTION_KEYS if config.get(key) not in (None, "")}
    absent = [key for key in REQUIRED_OPTIONS[provider] if key not in options]
    if absent:
        raise SmsConfigError(f"SMS_PROVIDER={provider} 需要设置 {'、'.join(absent)}")
    for key in ("SMS_ENDPOINT", "SMS_GATEWAY_URL"):
        url = urlsplit(str(options.get(key) or "http://x"))
        if url.scheme not in ("http", "https") or not url.hostname:
            raise SmsConfigError(f"{key} 须以 http:// 或 https:// 开头并包含主机名，"
                                 f"现为“{options[key]}”")
    if provider == "gateway":
        options["SMS_GATEWAY_BODY"] = _gateway_json(config, "SMS_GATEWAY_BODY", "请求体模板")
        options["SMS_GATEWAY_HEADERS"] = _gateway_json(config, "SMS_GATEWAY_HEADERS", "请求头")
        if options.get("SMS_GATEWAY_FORMAT", "json") not in ("json", "form"):
            raise SmsConfigError("SMS_GATEWAY_FORMAT 只能是 json 或 form")
    sign_name = (config.get("SMS_SIGN_NAME") or "").strip()
    if provider in ("tencent", "aliyun") and not sign_name:
        raise SmsConfigError("国内短信必须带审核通过的签名：请设置 SMS_SIGN_NAME")
    specs = _templates_json(config.get("SMS_TEMPLATES"))
    unknown = [kind for kind in specs if kind not in KINDS]
    if unknown:
        raise SmsConfigError(f"SMS_TEMPLATES 中的消息类型 {'、'.join(unknown)} 未知，可用："
                             + "、".join(f"{k}（{v}）" for k, v in KINDS.items()))
    if RECEIPT not in specs:
        raise SmsConfigError("SMS_TEMPLATES 至少需要受理回执模板“received”")
    templates = {kind: _template(kind, spec, provider, sign_name, config)
                 for kind, spec in specs.items()}
    try:
        cap = int(config.get("SMS_DAILY_CAP") or 10)
        timeout = float(config.get("SMS_TIMEOUT_SECONDS") or 10)
    except (TypeError, ValueError):
        raise SmsConfigError("SMS_DAILY_CAP 须为整数，SMS_TIMEOUT_SECONDS 须为数字") from None
    if cap < 1:
        raise SmsConfigError("SMS_DAILY_CAP 至少为 1")
    return SmsSettings(provider, sign_name, templates,
                       _clock_text(config.get("SMS_QUIET_HOURS_START") or "21:00",
                                   "SMS_QUIET_HOURS_START"),
                       _clock_text(config.get("SMS_QUIET_HOURS_END") or "08:00",
                                   "SMS_QUIET_HOURS_END"),
                       cap, timeout, options)


_CACHE_KEY = "_sms_settings"


def sms_settings(config=None) -> SmsSettings | None:
    """The checked settings of the running app (read once per app)."""
    config = config if config is not None else current_app.config
    if _CACHE_KEY not in config:
        config[_CACHE_KEY] = read_settings(config)
    return config[_CACHE_KEY]


def check_at_start(config):
    """Refuse to start with an SMS configuration that cannot work (create_app)."""
    try:
        config[_CACHE_KEY] = read_settings(config)
    except SmsConfigError as exc:
        raise RuntimeError(f"短信配置有误，拒绝启动：{exc}（docs/sms.md）") from None


def sms_send_time(kind: str, at: datetime, config) -> datetime:
    """When a text message of `kind` planned for `at` may go: the receipt at once, the others
    not in the SMS quiet hours (21:00–08:00 local by default): deferred to their end."""
    if kind == KIND_PREFIX + RECEIPT or kind == RECEIPT:
        return at
    return quiet_end(at, config.get("SMS_QUIET_HOURS_START") or "21:00",
                     config.get("SMS_QUIET_HOURS_END") or "08:00")


def next_window(now: datetime, config) -> datetime:
    """The first sending time of the next local day (a provider's daily limit is over then)."""
    local = now.astimezone(LOCAL_TZ)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(),
                                tzinfo=LOCAL_TZ)
    return sms_send_time("", midnight.astimezone(now.tzinfo), config)


def local_day_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return datetime.combine(local.date(), datetime.min.time(),
                            tzinfo=LOCAL_TZ).astimezone(now.tzinfo)
