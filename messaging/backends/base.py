"""The interface every channel's backend implements: a backend takes a Message and answers
with a Result, never an exception."""

import datetime as dt
from dataclasses import dataclass


@dataclass
class Message:
    """What a backend needs to send one delivery; `address` is the WeCom UserID, the mobile
    number or the robot's webhook key, looked up just before sending."""

    delivery_id: int
    channel: str
    address: str
    title: str
    body: str = ""
    url: str = ""
    kind_label: str = ""
    urgent: bool = False
    created_at: dt.datetime | None = None
    digest_count: int = 0  # a morning digest of this many items
    digest_date: dt.date | None = None


class Outcome:
    SENT = "sent"  # the gateway accepted it
    RETRY = "retry"  # the gateway certainly does not have it (or will drop a repeat): later
    FAILED = "failed"  # it will never take this message as it is (bad address, bad content)
    UNKNOWN = "unknown"  # the request went out and no answer came back


@dataclass
class Result:
    outcome: str
    gateway_id: str = ""
    detail: str = ""
    retry_after: float = 0.0  # seconds the gateway asked us to wait (rate limits)
    duration_ms: int = 0


class Backend:
    channel = None

    def send(self, message):  # pragma: no cover - the interface
        raise NotImplementedError


def clip(text, limit_bytes):
    """`text` cut to at most `limit_bytes` of UTF-8 (the gateways count bytes), with … when cut."""
    text = text or ""
    if len(text.encode("utf-8")) <= limit_bytes:
        return text
    cut = text.encode("utf-8")[:max(limit_bytes - 3, 0)].decode("utf-8", "ignore")
    return cut + "…"


def clip_chars(text, limit):
    text = text or ""
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + "…"
