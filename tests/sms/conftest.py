"""Providers on loopback (tests/sms/emulators.py) and the app configured to use them."""
from datetime import datetime, timezone
import json

import pytest

from app.sms.settings import check_at_start
from config import TestingConfig
from tests.sms.emulators import (GATEWAY_TOKEN, SECRET_ID, SECRET_KEY, AliyunEmulator,
                                 GatewayEmulator, TencentEmulator)

# A Tuesday in Shanghai, 10:00 local, far from holidays.
T0 = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)
PHONE = "13800138000"  # make_case's number
SITE = "https://mashangban.example.gov.cn"

TENCENT_TEMPLATES = {
    "received": {"id": "2101001", "text": f"您反映的问题已受理，受理编号{{1}}，查询码{{2}}，"
                 f"可在 {SITE}/t/{{1}} 查看进度。",
                 "params": [{"name": "1", "value": "tracking_no", "type": "number"},
                            {"name": "2", "value": "access_code", "type": "code"}]},
    "dispatched": {"id": "2101002", "text": "您反映的问题（受理编号{1}）已交相关部门办理。",
                   "params": [{"name": "1", "value": "tracking_no", "type": "number"}]},
    "replied": {"id": "2101003", "text": f"您反映的问题（受理编号{{1}}）已答复，请在 {SITE}/t/{{1}} "
                "查看并评价。", "params": [{"name": "1", "value": "tracking_no", "type": "number"}]},
    "reopened": {"id": "2101004", "text": "您反映的问题（受理编号{1}）已重新交办。",
                 "params": [{"name": "1", "value": "tracking_no", "type": "number"}]},
    "closed": {"id": "2101005", "text": "您反映的问题（受理编号{1}）已办结，感谢您的监督。",
               "params": [{"name": "1", "value": "tracking_no", "type": "number"}]},
    "rectified": {"id": "2101006", "text": f"您反映的问题（受理编号{{1}}）已整改，整改情况见 "
                  f"{SITE}/t/{{1}} ，欢迎再次评价。",
                  "params": [{"name": "1", "value": "tracking_no", "type": "number"}]},
}
ALIYUN_TEMPLATES = {
    kind: {"id": f"SMS_4650{i}", "text": spec["text"].replace("{1}", "${no}").replace(
        "{2}", "${code}"), "params": [{"name": {"1": "no", "2": "code"}[p["name"]],
                                        "value": p["value"], "type": p["type"]}
                                       for p in spec["params"]]}
    for i, (kind, spec) in enumerate(TENCENT_TEMPLATES.items())}


def configure(app, **values):
    """Set SMS config keys and read them again, as the app start does."""
    for key in [k for k in dir(TestingConfig) if k.startswith("SMS_")]:
        app.config[key] = getattr(TestingConfig, key)
    app.config.update(values)
    check_at_start(app.config)


def serving(app, emulator, **values):
    """Run `emulator` while the app is configured to send to it."""
    emulator.start()
    configure(app, SMS_SIGN_NAME="示范县营商办", SMS_TIMEOUT_SECONDS=5, SMS_DAILY_CAP=10,
              **values)
    yield emulator
    emulator.stop()


CLOUD_KEYS = dict(SMS_SECRET_ID=SECRET_ID, SMS_SECRET_KEY=SECRET_KEY)


@pytest.fixture
def tencent(app):
    emulator = TencentEmulator()
    yield from serving(app, emulator, SMS_PROVIDER="tencent", **CLOUD_KEYS,
                       SMS_TEMPLATES=json.dumps(TENCENT_TEMPLATES), SMS_SDK_APP_ID="1400006666",
                       SMS_REGION="ap-guangzhou", SMS_ENDPOINT=emulator.endpoint)


@pytest.fixture
def aliyun(app):
    emulator = AliyunEmulator()
    yield from serving(app, emulator, SMS_PROVIDER="aliyun", **CLOUD_KEYS,
                       SMS_TEMPLATES=ALIYUN_TEMPLATES, SMS_ENDPOINT=emulator.endpoint)


@pytest.fixture
def gateway(app):
    emulator = GatewayEmulator()
    yield from serving(
        app, emulator, SMS_PROVIDER="gateway", SMS_TEMPLATES=json.dumps(TENCENT_TEMPLATES),
        SMS_GATEWAY_URL=emulator.endpoint + "/api/sms/send",
        SMS_GATEWAY_BODY=json.dumps({"mobile": "{phone}", "tpl": "{template_id}",
                                     "sign": "{sign_name}", "args": "{params}",
                                     "text": "{content}", "ref": "{message_id}"}),
        SMS_GATEWAY_HEADERS=json.dumps({"Authorization": f"Bearer {GATEWAY_TOKEN}"}),
        SMS_GATEWAY_PERMANENT_VALUES="1001")
