"""The one HTTP call every backend makes, with the standard library (http.client).

It tells apart the two ways a call can fail, because they decide whether a message may be sent
again: NotSent (no connection could be made, or the request could not be written: refused, no
route, name not found, TLS handshake failed, connect timeout, a kept-alive connection the
gateway had closed), after which the gateway cannot have the message, and NoAnswer (the request
went out and no complete answer came back: read timeout, reset), after which it may have.

Each sending thread keeps its connection to a gateway open between messages (a TLS handshake
with qyapi.weixin.qq.com costs more than the message), but reuses it only within a few seconds
of its last answer, well inside any gateway's keep-alive timeout, so a connection closed by the
other side is rare; when it happens before the request is written it is NotSent."""

import http.client
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

REUSE_WITHIN_SECONDS = 5
_local = threading.local()


class NotSent(Exception):
    """Nothing reached the gateway; sending again is safe."""


class NoAnswer(Exception):
    """The request was sent but no answer came back; the gateway may have accepted it."""


@dataclass
class Response:
    status: int
    body: bytes
    elapsed_ms: int

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def _pool():
    if not hasattr(_local, "pool"):
        _local.pool = {}
    return _local.pool


def _connect(parts, timeout):
    """A connection to the gateway: this thread's open one if it answered recently, else new."""
    key = (parts.scheme, parts.hostname, parts.port)
    conn, last = _pool().pop(key, (None, 0.0))
    if conn is not None:
        if time.monotonic() - last < REUSE_WITHIN_SECONDS and conn.sock is not None:
            conn.sock.settimeout(timeout)
            return key, conn
        conn.close()
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.connect()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise NotSent(f"连接失败：{exc.__class__.__name__}") from exc
    return key, conn


def request(method, url, *, body=None, headers=None, timeout):
    """Make one HTTP request; Response, or NotSent / NoAnswer."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    key, conn = _connect(parts, timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
    except (OSError, http.client.HTTPException) as exc:
        # The request could not be written: the gateway has not read it.
        conn.close()
        raise NotSent(f"请求未能发出：{exc.__class__.__name__}") from exc
    try:
        response = conn.getresponse()
        data = response.read()
    except TimeoutError as exc:
        conn.close()
        raise NoAnswer("等待网关应答超时") from exc
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise NoAnswer(f"网关未完整应答：{exc.__class__.__name__}") from exc
    if response.will_close:
        conn.close()
    else:
        _pool()[key] = (conn, time.monotonic())
    return Response(response.status, data, int((time.monotonic() - started) * 1000))


def post_json(url, payload, *, timeout):
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return request("POST", url, body=body, timeout=timeout,
                   headers={"Content-Type": "application/json; charset=utf-8"})


def get(url, *, timeout):
    return request("GET", url, timeout=timeout)
