"""The SMS providers behind one call: `send(phone, template, values, identity)` → the
provider's id for the message, or one of the channel exceptions (app/reminders/channels.py):

- Rejected: the provider refused this message for good (an invalid number, a template or
  parameter it will never take) — the delivery is given up at once;
- RetryAt: a per-number daily limit — retried on the next day's sending window;
- ChannelDown: the provider cannot be reached or refuses our credentials — the rest of the run
  waits, the delivery is retried with backoff;
- OutcomeUnknown: the request went out and no answer came in time — retried later (providers
  do not dedupe; the identity travels as SessionContext / OutId for reconciliation);
- any other exception (a rate limit per minute or hour, a provider's internal error): retried
  with backoff.

Tencent Cloud and Alibaba Cloud are called through their official SDKs; the endpoint (and so
the protocol) comes from SMS_ENDPOINT, which tests point at a local emulator.
"""
import json
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from app.reminders.channels import ChannelDown, OutcomeUnknown, Rejected, RetryAt
from app.sms.settings import next_window

MAINLAND = "+86"


def _timed_out(text: str) -> bool:
    text = text.lower()
    return "timed out" in text or "timeout" in text


class TencentSms:
    """Tencent Cloud SMS, API 2021-01-11 SendSms, TC3-HMAC-SHA256 signed by the SDK."""

    DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com"
    # A number that can never receive (or may not): retrying cannot help.
    PERMANENT_PREFIXES = ("InvalidParameterValue.", "InvalidParameter.", "MissingParameter.",
                          "UnsupportedOperation.", "FailedOperation.PhoneNumberInBlacklist",
                          "FailedOperation.PhoneNumberParseFail",
                          "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                          "FailedOperation.SignatureIncorrectOrUnapproved",
                          "FailedOperation.TemplateIncorrectOrUnapproved",
                          "FailedOperation.ContainSensitiveWord")
    DAILY_LIMITS = ("LimitExceeded.PhoneNumberDailyLimit",
                    "LimitExceeded.PhoneNumberSameContentDailyLimit")
    ACCOUNT_DOWN = ("AuthFailure.", "FailedOperation.InsufficientBalanceInSmsPackage",
                    "UnauthorizedOperation.")

    def __init__(self, settings, now_fn, config):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client
        options = settings.options
        url = urlsplit(options.get("SMS_ENDPOINT") or self.DEFAULT_ENDPOINT)
        http = HttpProfile(protocol=url.scheme or "https", endpoint=url.netloc,
                           reqTimeout=settings.timeout)
        self.client = sms_client.SmsClient(
            credential.Credential(options["SMS_SECRET_ID"], options["SMS_SECRET_KEY"]),
            options.get("SMS_REGION", "ap-guangzhou"),
            ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http))
        self.settings, self.now, self.config = settings, now_fn, config
        self.app_id = options["SMS_SDK_APP_ID"]

    def _fail(self, code: str, message: str):
        text = f"{code}：{message}"
        if code.startswith(self.DAILY_LIMITS):
            raise RetryAt(f"该号码今日已达服务商上限（{text}）", next_window(self.now(), self.config))
        if code.startswith(self.PERMANENT_PREFIXES):
            raise Rejected(text)
        if code == "ClientNetworkError":
            raise (OutcomeUnknown if _timed_out(message) else ChannelDown)(f"腾讯云短信：{text}")
        if code.startswith(self.ACCOUNT_DOWN):
            raise ChannelDown(f"腾讯云短信账号不可用：{text}")
        raise RuntimeError(f"腾讯云短信：{text}")

    def send(self, phone: str, template, values, identity: str) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import \
            TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [MAINLAND + phone]
        request.SmsSdkAppId = self.app_id
        request.SignName = self.settings.sign_name
        request.TemplateId = template.id
        request.TemplateParamSet = [value for _name, value in values]
        request.SessionContext = identity
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            self._fail(exc.code or "", exc.message or "")
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise RuntimeError("腾讯云短信：答复中没有发送状态")
        if status.Code != "Ok":  # per-number errors come here, with HTTP 200 and no Error
            self._fail(status.Code or "", status.Message or "")
        return status.SerialNo or ""


class AliyunSms:
    """Alibaba Cloud SMS (Dysmsapi 2017-05-25 SendSms) through its SDK, which signs with
    ACS3-HMAC-SHA256 (the V3 signature)."""

    DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com"
    PERMANENT = ("isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT",
                 "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
                 "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS",
                 "isv.INVALID_JSON_PARAM", "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL",
                 "isv.BLACK_KEY_CONTROL_LIMIT", "isv.SMS_CONTENT_ILLEGAL",
                 "isv.SMS_SIGN_ILLEGAL", "isv.TEMPLATE_PARAMS_ILLEGAL",
                 "isv.DENY_IP_RANGE", "isv.SMS_SIGNATURE_SCENE_ILLEGAL")
    ACCOUNT_DOWN = ("isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.ACCOUNT_NOT_EXISTS",
                    "isv.ACCOUNT_ABNORMAL", "isp.RAM_PERMISSION_DENY")

    def __init__(self, settings, now_fn, config):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import utils_models
        options = settings.options
        url = urlsplit(options.get("SMS_ENDPOINT") or self.DEFAULT_ENDPOINT)
        timeout_ms = int(settings.timeout * 1000)
        self.client = Client(utils_models.Config(
            access_key_id=options["SMS_SECRET_ID"], access_key_secret=options["SMS_SECRET_KEY"],
            endpoint=url.netloc, protocol=url.scheme or "https", read_timeout=timeout_ms,
            connect_timeout=timeout_ms))
        self.settings, self.now, self.config = settings, now_fn, config
        self.timeout_ms = timeout_ms

    def _fail(self, code: str, message: str):
        text = f"{code}：{message}"
        daily = code == "isv.DAY_LIMIT_CONTROL" or (
            code == "isv.BUSINESS_LIMIT_CONTROL" and ("天级" in message or "day" in message.lower()))
        if daily:
            raise RetryAt(f"该号码今日已达服务商上限（{text}）", next_window(self.now(), self.config))
        if code in self.PERMANENT:
            raise Rejected(text)
        if code in self.ACCOUNT_DOWN:
            raise ChannelDown(f"阿里云短信账号不可用：{text}")
        raise RuntimeError(f"阿里云短信：{text}")  # minute/hour flow control, isp.SYSTEM_ERROR…

    def send(self, phone: str, template, values, identity: str) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, \
            ThrottlingException
        from darabonba.runtime import RuntimeOptions
        request = models.SendSmsRequest(
            phone_numbers=phone, sign_name=self.settings.sign_name, template_code=template.id,
            template_param=json.dumps(dict(values), ensure_ascii=False) if values else None,
            out_id=identity)
        runtime = RuntimeOptions(autoretry=False, read_timeout=self.timeout_ms,
                                 connect_timeout=self.timeout_ms)
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except ThrottlingException as exc:
            raise RuntimeError(f"阿里云短信限流：{exc.code}") from exc
        except ClientException as exc:  # 4xx: our key or signature is refused
            raise ChannelDown(f"阿里云短信拒绝请求：{exc.code}：{exc.message}") from exc
        except ServerException as exc:
            raise RuntimeError(f"阿里云短信服务错误：{exc.code}") from exc
        except Exception as exc:  # the SDK's network errors (requests / darabonba)
            if _timed_out(str(exc)):
                raise OutcomeUnknown(f"阿里云短信未在时限内答复：{exc}") from exc
            raise ChannelDown(f"阿里云短信无法连接：{exc}") from exc
        body = response.body
        if body.code != "OK":  # business errors come with HTTP 200
            self._fail(body.code or "", body.message or "")
        return body.biz_id or ""


class GatewaySms:
    """A county 政务短信平台 or any gateway that takes a templated POST.

    SMS_GATEWAY_BODY is a JSON object whose string values may hold placeholders: {phone},
    {template_id}, {sign_name}, {content} (the rendered text), {message_id}; a value that is
    exactly "{params}" becomes the parameters as a list, "{param_map}" as an object. The answer
    is JSON; SMS_GATEWAY_RESULT_FIELD (default "code") must be one of
    SMS_GATEWAY_SUCCESS_VALUES (default "0"); one of SMS_GATEWAY_PERMANENT_VALUES, or HTTP 4xx
    other than 429, refuses the message for good."""

    def __init__(self, settings, now_fn, config):
        options = settings.options
        self.url = options["SMS_GATEWAY_URL"]
        self.body = options["SMS_GATEWAY_BODY"]
        self.headers = {str(k): str(v) for k, v in options["SMS_GATEWAY_HEADERS"].items()}
        self.format = options.get("SMS_GATEWAY_FORMAT", "json")
        self.result_field = options.get("SMS_GATEWAY_RESULT_FIELD", "code")
        self.success = _values(options.get("SMS_GATEWAY_SUCCESS_VALUES", "0"))
        self.permanent = _values(options.get("SMS_GATEWAY_PERMANENT_VALUES", ""))
        self.settings, self.timeout = settings, settings.timeout

    def payload(self, phone, template, values, identity) -> dict:
        fields = {"phone": phone, "template_id": template.id,
                  "sign_name": self.settings.sign_name, "message_id": identity,
                  "content": template.render(values, "")}
        whole = {"{params}": [value for _name, value in values], "{param_map}": dict(values)}

        def fill(node):
            if isinstance(node, dict):
                return {key: fill(value) for key, value in node.items()}
            if isinstance(node, list):
                return [fill(value) for value in node]
            if isinstance(node, str):
                if node in whole:
                    return whole[node]
                for name, value in fields.items():
                    node = node.replace("{" + name + "}", value)
            return node
        return fill(self.body)

    def send(self, phone: str, template, values, identity: str) -> str:
        payload = self.payload(phone, template, values, identity)
        if self.format == "form":
            data = urlencode({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict))
                              else v for k, v in payload.items()}).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(payload, ensure_ascii=False).encode()
            content_type = "application/json; charset=utf-8"
        request = Request(self.url, data=data, method="POST",
                          headers={"Content-Type": content_type, **self.headers})
        try:
            with urlopen(request, timeout=self.timeout) as response:
                answer = response.read()
        except HTTPError as exc:
            text = exc.read()[:200].decode(errors="replace")
            if 400 <= exc.code < 500 and exc.code != 429:
                raise Rejected(f"短信网关返回 HTTP {exc.code}：{text}") from exc
            raise RuntimeError(f"短信网关返回 HTTP {exc.code}：{text}") from exc
        except TimeoutError as exc:
            raise OutcomeUnknown(f"短信网关未在 {self.timeout:g} 秒内答复") from exc
        except (URLError, ConnectionError) as exc:
            raise ChannelDown(f"短信网关无法连接：{exc}") from exc
        try:
            result = json.loads(answer or b"{}")
            code = str(result.get(self.result_field, ""))
        except (ValueError, AttributeError):
            raise RuntimeError(f"短信网关答复不是 JSON：{answer[:200]!r}") from None
        if code in self.success:
            return str(result.get("msgid") or result.get("id") or "")
        text = f"短信网关返回 {self.result_field}={code}：{answer[:200].decode(errors='replace')}"
        if code in self.permanent:
            raise Rejected(text)
        raise RuntimeError(text)


def _values(text) -> set[str]:
    return {part.strip() for part in str(text or "").split(",") if part.strip()}


PROVIDER_CLASSES = {"tencent": TencentSms, "aliyun": AliyunSms, "gateway": GatewaySms}
