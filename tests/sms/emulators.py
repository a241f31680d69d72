"""Local SMS provider servers (a thread each, on loopback) that check each request the way the
provider documents it, answer with the provider's documented bodies and record what arrived.
The app talks to them through the official SDKs, pointed here by SMS_ENDPOINT: no mock object
stands in for an SDK.

- Tencent Cloud: API 3.0 signature v3, TC3-HMAC-SHA256 (cloud.tencent.com/document/api/382/52072
  "签名方法 v3"); SendSms 2021-01-11 (cloud.tencent.com/document/product/382/55981): per-number
  results in Response.SendStatusSet[i].Code ("Ok" on success), request errors in Response.Error.
- Alibaba Cloud: V3 request signature ACS3-HMAC-SHA256 (help.aliyun.com/document_detail/2593177
  "V3版本请求体&签名机制"); Dysmsapi SendSms: {"Code": "OK", "BizId", "RequestId"}, business
  errors (isv.*) with HTTP 200.
- A generic gateway: JSON POST with a bearer token, {"code": "0", "msgid": …}.
"""
from datetime import datetime, timezone
import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading
import time
from urllib.parse import parse_qsl, quote, urlsplit
import uuid

SECRET_ID = "AKIDlocaltest0000000000000000000000"
SECRET_KEY = "local-test-secret-key-0123456789abcdef"
GATEWAY_TOKEN = "county-gateway-token"
CLOCK_SKEW = 300  # seconds a signed timestamp may differ from now (both providers allow ≥ 5 min)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class Emulator:
    """A provider on 127.0.0.1: `script` holds the answers of the next requests (error codes;
    empty means success); `received` every request that arrived, with its verdict."""

    def __init__(self):
        self.received = []
        self.script = []
        self._lock = threading.Lock()
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = emulator.handle(self.command, self.path, self.headers, body)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def next_answer(self):
        with self._lock:
            return self.script.pop(0) if self.script else None

    def record(self, entry):
        with self._lock:
            self.received.append(entry)

    @staticmethod
    def authorization(headers, algorithm: str) -> dict | None:
        """The Authorization header's `Name=value` fields after "<algorithm> ", or None."""
        auth = headers.get("Authorization", "")
        if not auth.startswith(algorithm + " "):
            return None
        return dict(item.strip().split("=", 1)
                    for item in auth[len(algorithm) + 1:].split(","))

    @property
    def accepted(self):
        return [r for r in self.received if r["signature_ok"] and r["result"] in ("Ok", "OK", "0")]


class TencentEmulator(Emulator):
    SERVICE = "sms"
    ERRORS = {
        "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式错误",
        "LimitExceeded.PhoneNumberDailyLimit": "单个手机号日下发短信条数超过设定的上限",
        "LimitExceeded.PhoneNumberThirtySecondLimit": "单个手机号30秒内下发短信条数超过设定的上限",
        "InternalError.Timeout": "请求下发短信超时",
    }

    def verify(self, method, path, headers, body) -> str | None:
        """Why the TC3-HMAC-SHA256 signature is wrong, or None (签名方法 v3, step by step)."""
        parts = self.authorization(headers, "TC3-HMAC-SHA256")
        if parts is None:
            return "not TC3-HMAC-SHA256"
        secret_id, date, service, terminator = parts["Credential"].split("/")
        timestamp = int(headers["X-TC-Timestamp"])
        if abs(time.time() - timestamp) > CLOCK_SKEW:
            return "timestamp expired"
        if date != datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d"):
            return "credential date is not the timestamp's UTC date"
        if (secret_id, service, terminator) != (SECRET_ID, self.SERVICE, "tc3_request"):
            return "wrong credential scope"
        signed = parts["SignedHeaders"].split(";")
        # Names and values lower-cased and trimmed, each line ending in a newline.
        canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
        query = urlsplit(path).query
        canonical = "\n".join([method, urlsplit(path).path or "/", query, canonical_headers,
                               ";".join(signed), sha256_hex(body)])
        string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp),
                                    f"{date}/{service}/tc3_request",
                                    sha256_hex(canonical.encode())])
        key = hmac_sha256(("TC3" + SECRET_KEY).encode(), date)
        key = hmac_sha256(key, service)
        key = hmac_sha256(key, "tc3_request")
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(expected, parts["Signature"]) else "signature mismatch"

    def handle(self, method, path, headers, body):
        request_id = str(uuid.uuid4())
        problem = self.verify(method, path, headers, body)
        params = json.loads(body or b"{}")
        entry = {"action": headers.get("X-TC-Action"), "version": headers.get("X-TC-Version"),
                 "region": headers.get("X-TC-Region"), "params": params,
                 "signature_ok": problem is None, "problem": problem}
        if problem:
            entry["result"] = "AuthFailure.SignatureFailure"
            self.record(entry)
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                "Message": problem}, "RequestId": request_id}}
        code = self.next_answer() or "Ok"
        entry["result"] = code
        self.record(entry)
        status = {"SerialNo": f"2640:{uuid.uuid4().hex[:20]}" if code == "Ok" else "",
                  "PhoneNumber": params["PhoneNumberSet"][0], "Fee": 1 if code == "Ok" else 0,
                  "SessionContext": params.get("SessionContext", ""), "Code": code,
                  "Message": "send success" if code == "Ok" else self.ERRORS.get(code, code),
                  "IsoCode": "CN"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}


def acs_encode(text: str) -> str:
    """RFC 3986 percent-encoding as the V3 canonical query string needs it."""
    return quote(text, safe="-_.~")


class AliyunEmulator(Emulator):
    ERRORS = {
        "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
        "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
        "isv.BUSINESS_LIMIT_CONTROL/day": "触发天级流控Permits:10",
    }

    def verify(self, method, path, headers, body) -> str | None:
        """Why the ACS3-HMAC-SHA256 signature is wrong, or None (V3 签名机制, step by step)."""
        parts = self.authorization(headers, "ACS3-HMAC-SHA256")
        if parts is None:
            return "not ACS3-HMAC-SHA256"
        if parts["Credential"] != SECRET_ID:
            return "unknown AccessKeyId"
        signed = parts["SignedHeaders"].split(";")
        lowered = {name.lower(): value for name, value in headers.items()}
        required = {"host", "x-acs-action", "x-acs-version", "x-acs-date",
                    "x-acs-signature-nonce", "x-acs-content-sha256"}
        unsigned = (required | {n for n in lowered if n.startswith("x-acs-")}) - set(signed)
        if unsigned:
            return f"headers not signed: {sorted(unsigned)}"
        if signed != sorted(signed):
            return "SignedHeaders not sorted"
        if lowered["x-acs-content-sha256"] != sha256_hex(body):
            return "x-acs-content-sha256 is not the body's hash"
        stamp = datetime.strptime(lowered["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ")
        if abs(time.time() - stamp.replace(tzinfo=timezone.utc).timestamp()) > CLOCK_SKEW:
            return "x-acs-date expired"
        url = urlsplit(path)
        query = "&".join(f"{acs_encode(k)}={acs_encode(v)}" for k, v in
                         sorted(parse_qsl(url.query, keep_blank_values=True)))
        canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in signed)
        canonical = "\n".join([method, url.path or "/", query, canonical_headers,
                               ";".join(signed), lowered["x-acs-content-sha256"]])
        string_to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(canonical.encode())
        expected = hmac.new(SECRET_KEY.encode(), string_to_sign.encode(),
                            hashlib.sha256).hexdigest()
        return None if hmac.compare_digest(expected, parts["Signature"]) else "signature mismatch"

    def handle(self, method, path, headers, body):
        request_id = str(uuid.uuid4()).upper()
        problem = self.verify(method, path, headers, body)
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        params.update(dict(parse_qsl(body.decode(), keep_blank_values=True)))
        entry = {"action": headers.get("x-acs-action"), "version": headers.get("x-acs-version"),
                 "params": params, "signature_ok": problem is None, "problem": problem}
        if problem:
            entry["result"] = "SignatureDoesNotMatch"
            self.record(entry)
            return 400, {"RequestId": request_id, "Code": "SignatureDoesNotMatch",
                         "Message": f"Specified signature does not match our calculation. {problem}",
                         "HostId": "dysmsapi.aliyuncs.com"}
        scripted = self.next_answer() or "OK"
        code = scripted.split("/")[0]
        entry["result"] = code
        self.record(entry)
        if code == "OK":
            return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id,
                         "BizId": f"{int(time.time())}^0"}
        return 200, {"Code": code, "Message": self.ERRORS.get(scripted, code),
                     "RequestId": request_id}


class GatewayEmulator(Emulator):
    """A county 政务短信平台: bearer token, JSON body, {"code": "0"} on success."""

    def handle(self, method, path, headers, body):
        token_ok = headers.get("Authorization") == f"Bearer {GATEWAY_TOKEN}"
        try:
            params = json.loads(body)
        except ValueError:
            params = None
        entry = {"path": path, "params": params, "signature_ok": token_ok,
                 "problem": None if token_ok else "bad token"}
        if not token_ok:
            entry["result"] = "401"
            self.record(entry)
            return 401, {"code": "401", "msg": "token invalid"}
        code = self.next_answer() or "0"
        entry["result"] = code
        self.record(entry)
        if code.startswith("http"):
            return int(code[4:]), {"code": code, "msg": "busy"}
        return 200, {"code": code, "msg": "ok" if code == "0" else "error",
                     "msgid": uuid.uuid4().hex if code == "0" else None}
