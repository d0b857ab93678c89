"""SMS through Alibaba Cloud's SendSms (dysmsapi, API version 2017-05-25), signed with the
RPC signature (HMAC-SHA1 over the sorted, percent-encoded parameters, key = secret + "&").

An SMS is a template and its parameters, never free text: NOTICE for an ordinary message,
URGENT for an urgent one, DIGEST for the morning digest (the template texts the county files
with Alibaba Cloud are in docs/operations.md). Parameters are cut to the length a notice
template's variable may hold. There is no duplicate check, so a request whose answer was lost
is "unknown" and waits for a person."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import quote

from django.conf import settings

from messaging import config
from messaging.backends import http
from messaging.backends.base import Backend, Outcome, Result, clip_chars
from messaging.models import Channel

API_VERSION = "2017-05-25"
PARAM_MAX_CHARS = 35  # a variable of a notice template (通知短信)
RATE_LIMITED = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling.Api", "Throttling"}
BAD_NUMBER = {"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT",
              "isv.BLACK_KEY_CONTROL_LIMIT", "isv.DENY_IP_RANGE"}
BAD_CONTENT = {"isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_JSON_PARAM",
               "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL",
               "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.INVALID_PARAMETERS"}
CONFIG = {"isv.SMS_TEMPLATE_ILLEGAL": "短信模板不存在或未通过审核",
          "isv.SMS_SIGNATURE_ILLEGAL": "短信签名不存在或未通过审核",
          "isv.AMOUNT_NOT_ENOUGH": "短信账户余额不足",
          "isv.OUT_OF_SERVICE": "短信业务已停机",
          "SignatureDoesNotMatch": "签名不符，请核对 SMS_ACCESS_KEY_SECRET",
          "InvalidAccessKeyId.NotFound": "AccessKey 不存在，请核对 SMS_ACCESS_KEY_ID",
          "isp.RAM_PERMISSION_DENY": "AccessKey 没有发送短信的权限",
          "InvalidTimeStamp.Expired": "服务器时间不准，请校时"}


def percent(value):
    """RFC 3986 encoding as the RPC signature wants it (space %20, * %2A, ~ kept)."""
    return quote(str(value), safe="-_.~")


def signature(params, secret, method="POST"):
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms(Backend):
    channel = Channel.SMS

    def __init__(self):
        self.base = settings.SMS_API_BASE.rstrip("/")
        self.key_id = settings.SMS_ACCESS_KEY_ID
        self.secret = settings.SMS_ACCESS_KEY_SECRET
        self.timeout = config.http_timeout()

    def template(self, message):
        """(template code, parameters) for the message."""
        if message.digest_count:
            return settings.SMS_TEMPLATE_DIGEST, {"count": str(message.digest_count)}
        title = clip_chars(message.title, PARAM_MAX_CHARS)
        if message.urgent:
            return settings.SMS_TEMPLATE_URGENT, {"title": title}
        return settings.SMS_TEMPLATE_NOTICE, {"title": title}

    def params(self, message):
        code, values = self.template(message)
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": message.address, "RegionId": settings.SMS_REGION,
            "SignName": settings.SMS_SIGN_NAME, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "TemplateCode": code, "TemplateParam": json.dumps(values, ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION, "OutId": str(message.delivery_id),
        }
        params["Signature"] = signature(params, self.secret)
        return params

    def send(self, message):
        started = time.monotonic()
        result = self._send(message)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _send(self, message):
        body = "&".join(f"{percent(k)}={percent(v)}" for k, v in self.params(message).items())
        try:
            response = http.request(
                "POST", f"{self.base}/", body=body.encode(), timeout=self.timeout,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        except http.NotSent as exc:
            return Result(Outcome.RETRY, detail=str(exc))
        except http.NoAnswer as exc:
            return Result(Outcome.UNKNOWN, detail=f"{exc}，对方可能已收到，未自动重发")
        data = response.json()
        if response.status >= 500 or not isinstance(data, dict):
            return Result(Outcome.RETRY, detail=f"短信网关应答 HTTP {response.status}")
        code = str(data.get("Code", ""))
        text = str(data.get("Message", ""))[:200]
        if code == "OK":
            return Result(Outcome.SENT, gateway_id=str(data.get("BizId", ""))[:128])
        if code in RATE_LIMITED:
            return Result(Outcome.RETRY, detail=f"短信发送频率超限（{code}）", retry_after=60)
        if code in BAD_NUMBER:
            return Result(Outcome.FAILED, detail=f"手机号无法接收短信（{code}）：{text}")
        if code in BAD_CONTENT:
            return Result(Outcome.FAILED, detail=f"短信模板参数不符合要求（{code}）：{text}")
        if code in CONFIG:
            return Result(Outcome.RETRY, detail=f"短信配置问题（{code}）：{CONFIG[code]}")
        return Result(Outcome.RETRY, detail=f"短信网关返回错误（{code}）：{text}")
