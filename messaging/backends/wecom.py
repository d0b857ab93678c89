"""企业微信 application messages: `gettoken` with the corp id and the app's secret, then
`message/send` with a textcard (title, description, a link back to the object, button text)
to the user's WeCom UserID.

The access token (valid 7,200 s) is cached in Redis and shared by every worker. When the
gateway says it expired (42001) or is invalid (40014, 40001), one process fetches a new one
and the others wait for it and use it, so a token that expires in the middle of a batch is
refreshed once, not once per worker; the message is sent again once with the new token.

A request whose answer was lost (a timeout after the request went out) may have been accepted,
so it is never sent again automatically: the delivery is marked 结果不明 and shows on the
failures page, where centre staff can resend it by hand. Every message still asks for WeCom's
duplicate check (the same content to the same user within 4 hours is not shown twice), so
such a resend does not show twice a message that had in fact arrived."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from messaging import config, shared
from messaging.backends import http
from messaging.backends.base import Backend, Outcome, Result, clip
from messaging.models import Channel

DUPLICATE_CHECK_SECONDS = 4 * 3600
TOKEN_MARGIN_SECONDS = 300
TOKEN_ERRORS = {42001, 40014, 40001}
RATE_LIMITED = {45009, 45033}
# The UserID is not (or no longer) in the address book, or not licensed: try the next channel.
BAD_USER = {81013, 40031, 60111, 46004, 40003, 60103}
# The message itself is refused (empty, too long, bad parameters): sending again cannot help.
BAD_CONTENT = {44004, 45002, 40058, 40008, 82001}
# Configuration the administrator must fix; the message waits and is tried again.
CONFIG = {40013: "企业ID（WECOM_CORP_ID）无效", 40056: "应用AgentId（WECOM_AGENT_ID）无效",
          60020: "服务器IP不在应用的企业可信IP中，请在企业微信管理后台添加",
          48002: "应用无权调用此接口", 41001: "缺少access_token"}


class TokenUnavailable(Exception):
    def __init__(self, result):
        super().__init__(result.detail)
        self.result = result


class WeComApp(Backend):
    channel = Channel.WECOM

    def __init__(self):
        self.base = settings.WECOM_API_BASE.rstrip("/")
        self.corp_id = settings.WECOM_CORP_ID
        self.agent_id = settings.WECOM_AGENT_ID
        self.secret = settings.WECOM_SECRET
        self.timeout = config.http_timeout()
        self.token_key = shared.key("wecom-token", self.corp_id, self.agent_id)

    # --- the shared access token -------------------------------------------------------
    def token(self, *, stale=None):
        """The cached access token; a new one when there is none, or when the cached one is
        `stale` (the token the gateway has just refused). One process fetches, the others
        wait up to 5 s for it."""
        cached = shared.get(self.token_key)
        if cached and cached != stale:
            return cached
        lock = self.token_key + ":lock"
        holder = shared.add(lock, 1, 10)
        try:
            if not holder:
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    time.sleep(0.05)
                    cached = shared.get(self.token_key)
                    if cached and cached != stale:
                        return cached
            cached = shared.get(self.token_key)
            if cached and cached != stale:
                return cached
            token, lifetime = self._fetch_token()
            shared.put(self.token_key, token, max(lifetime - TOKEN_MARGIN_SECONDS, 60))
            return token
        finally:
            if holder:
                shared.delete(lock)

    def _fetch_token(self):
        query = urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        try:
            response = http.get(f"{self.base}/cgi-bin/gettoken?{query}", timeout=self.timeout)
        except (http.NotSent, http.NoAnswer) as exc:  # gettoken may be repeated freely
            raise TokenUnavailable(Result(Outcome.RETRY, detail=f"获取access_token：{exc}")) \
                from exc
        data = response.json()
        if response.status >= 500 or not isinstance(data, dict):
            raise TokenUnavailable(Result(Outcome.RETRY,
                                          detail=f"获取access_token：HTTP {response.status}"))
        if data.get("errcode", 0) != 0 or not data.get("access_token"):
            code = data.get("errcode")
            what = CONFIG.get(code) or ("应用Secret（WECOM_SECRET）无效" if code in (40001, 40091)
                                        else data.get("errmsg", ""))
            raise TokenUnavailable(Result(
                Outcome.RETRY, detail=f"获取access_token失败（{code}）：{what}",
                retry_after=60 if code in RATE_LIMITED else 0))
        return data["access_token"], int(data.get("expires_in") or 7200)

    # --- sending -----------------------------------------------------------------------
    def payload(self, message):
        """A textcard when there is a link to open (SITE_URL set), else plain text."""
        when = timezone.localtime(message.created_at or timezone.now())
        title = ("【紧急】" if message.urgent else "") + message.title
        common = {"touser": message.address, "agentid": self.agent_id,
                  "enable_duplicate_check": 1,
                  "duplicate_check_interval": DUPLICATE_CHECK_SECONDS}
        if message.url.startswith(("https://", "http://")):
            description = render_to_string("messaging/wecom/textcard.html", {
                "when": when, "kind_label": message.kind_label, "urgent": message.urgent,
                "body": message.body}).strip()
            return {**common, "msgtype": "textcard", "textcard": {
                "title": clip(title, 128), "description": clip(description, 512),
                "url": message.url, "btntxt": "详情"}}
        content = f"{title}\n{when:%Y-%m-%d %H:%M} {message.kind_label}\n{message.body}".strip()
        return {**common, "msgtype": "text", "text": {"content": clip(content, 2048)}}

    def send(self, message):
        started = time.monotonic()
        result = self._send(message)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _send(self, message):
        payload = self.payload(message)
        try:
            token = self.token()
        except TokenUnavailable as exc:
            return exc.result
        for refreshed in (False, True):
            try:
                response = http.post_json(f"{self.base}/cgi-bin/message/send?access_token={token}",
                                          payload, timeout=self.timeout)
            except http.NotSent as exc:
                return Result(Outcome.RETRY, detail=str(exc))
            except http.NoAnswer as exc:
                # The gateway may have accepted it: never retried automatically.
                return Result(Outcome.UNKNOWN, detail=f"{exc}，对方可能已收到，未自动重发")
            data = response.json()
            if response.status >= 500 or not isinstance(data, dict):
                return Result(Outcome.RETRY, detail=f"企业微信应答 HTTP {response.status}")
            code = data.get("errcode")
            if code in TOKEN_ERRORS and not refreshed:
                try:
                    token = self.token(stale=token)
                except TokenUnavailable as exc:
                    return exc.result
                continue
            return self.classify(message, code, data)
        return Result(Outcome.RETRY, detail="access_token 刷新后仍无效")  # pragma: no cover

    def classify(self, message, code, data):
        errmsg = str(data.get("errmsg", ""))[:200]
        if code == 0:
            refused = set()
            for field in ("invaliduser", "unlicenseduser"):
                refused.update(filter(None, str(data.get(field) or "").split("|")))
            if message.address in refused:
                return Result(Outcome.FAILED,
                              detail="企业微信账号不存在或未开通本应用（invaliduser）")
            return Result(Outcome.SENT, gateway_id=str(data.get("msgid", ""))[:128])
        if code in RATE_LIMITED:
            return Result(Outcome.RETRY, detail=f"企业微信接口调用超过频率限制（{code}）",
                          retry_after=60)
        if code in TOKEN_ERRORS:
            return Result(Outcome.RETRY, detail=f"access_token 刷新后仍无效（{code}）")
        if code in BAD_USER:
            return Result(Outcome.FAILED, detail=f"企业微信账号无效（{code}）：{errmsg}")
        if code in BAD_CONTENT:
            return Result(Outcome.FAILED, detail=f"消息内容不符合要求（{code}）：{errmsg}")
        if code in CONFIG:
            return Result(Outcome.RETRY, detail=f"企业微信配置问题（{code}）：{CONFIG[code]}")
        if code == -1:
            return Result(Outcome.RETRY, detail="企业微信系统繁忙（-1）", retry_after=30)
        return Result(Outcome.RETRY, detail=f"企业微信返回错误（{code}）：{errmsg}")
