"""企业微信 group robots: `webhook/send?key=...` with a markdown message into a work group.

A robot takes 20 messages a minute (the policy's robot_per_minute keeps under it; a 45009
from the gateway waits for the next minute). Only the title and a link go to a group: the
body may name residents, and a group is read by more people than the message's recipients.
A robot has no duplicate check, so a request whose answer was lost is "unknown", not retried."""

import time
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

from messaging import config
from messaging.backends import http
from messaging.backends.base import Backend, Outcome, Result, clip
from messaging.models import Channel

BAD_KEY = {93000, 93004, 93008}  # webhook key invalid, robot disabled, robot not in the group
BAD_CONTENT = {40008, 40058, 44004, 45002}


class WeComRobot(Backend):
    channel = Channel.ROBOT

    def __init__(self):
        self.base = settings.WECOM_API_BASE.rstrip("/")
        self.timeout = config.http_timeout()

    def payload(self, message):
        when = timezone.localtime(message.created_at or timezone.now())
        lines = [f"**{'【紧急】' if message.urgent else ''}{message.title}**",
                 f"> {message.kind_label} · {when:%Y-%m-%d %H:%M}"]
        if message.url.startswith(("https://", "http://")):
            lines.append(f"[查看详情]({message.url})")
        return {"msgtype": "markdown", "markdown": {"content": clip("\n".join(lines), 4096)}}

    def send(self, message):
        started = time.monotonic()
        result = self._send(message)
        result.duration_ms = int((time.monotonic() - started) * 1000)
        return result

    def _send(self, message):
        url = f"{self.base}/cgi-bin/webhook/send?key={quote(message.address, safe='')}"
        try:
            response = http.post_json(url, self.payload(message), timeout=self.timeout)
        except http.NotSent as exc:
            return Result(Outcome.RETRY, detail=str(exc))
        except http.NoAnswer as exc:
            return Result(Outcome.UNKNOWN, detail=f"{exc}，群里可能已收到，未自动重发")
        data = response.json()
        if response.status >= 500 or not isinstance(data, dict):
            return Result(Outcome.RETRY, detail=f"群机器人应答 HTTP {response.status}")
        code = data.get("errcode")
        errmsg = str(data.get("errmsg", ""))[:200]
        if code == 0:
            return Result(Outcome.SENT)
        if code == 45009:
            return Result(Outcome.RETRY, detail="群机器人每分钟最多20条，已超出（45009）",
                          retry_after=60)
        if code in BAD_KEY:
            return Result(Outcome.FAILED, detail=f"群机器人key无效或机器人已被移出群（{code}）")
        if code in BAD_CONTENT:
            return Result(Outcome.FAILED, detail=f"消息内容不符合要求（{code}）：{errmsg}")
        return Result(Outcome.RETRY, detail=f"群机器人返回错误（{code}）：{errmsg}")
