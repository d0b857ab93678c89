"""Local stand-ins for the gateways, written from their documentation and not from our client
code: 企业微信 `gettoken`, `message/send` and group robots' `webhook/send`, and Alibaba Cloud
SendSms with its request signature checked here independently. One threaded HTTP server on
127.0.0.1 (a free port) serves all three; tests script faults per endpoint:

    gw.script("send", [45009, 500, "timeout", "expire"])   # one per request, then normal

an integer is an errcode (a string for SMS: "isv.BUSINESS_LIMIT_CONTROL"), 500 an HTTP 500,
"timeout" an answer later than the client waits for (the message is still taken, as a real
gateway that is slow to answer would), "expire" expires the tokens first. `gw.outage = True`
answers 503 to everything; `gw.stop()` / `gw.start()` refuse connections in between.
"""

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

ROBOT_PER_MINUTE = 20
TEMPLATES = {"SMS_0001": {"title"}, "SMS_0002": {"title"}, "SMS_0003": {"count"}}


def _rfc3986(value):
    # Alibaba Cloud's POP signature: RFC 3986 percent-encoding, UTF-8, '~' left as is.
    return quote(value, safe="~", encoding="utf-8")


def aliyun_expected_signature(fields, secret, method="POST"):
    pairs = sorted((k, v) for k, v in fields.items() if k != "Signature")
    query = "&".join(_rfc3986(k) + "=" + _rfc3986(v) for k, v in pairs)
    text = method + "&" + _rfc3986("/") + "&" + _rfc3986(query)
    mac = hmac.new((secret + "&").encode("utf-8"), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


class Gateways:
    def __init__(self, *, corp_id="wwtestcorp", corp_secret="corp-secret", agent_id=1000002,
                 users=(), robot_keys=(), sms_key_id="LTAItestkey", sms_secret="sms-secret",
                 sign_name="平襄综治", token_ttl=7200, slow_seconds=1.5, anyone=False):
        self.corp_id, self.corp_secret, self.agent_id = corp_id, corp_secret, agent_id
        self.users = set(users)
        self.anyone = anyone  # every UserID exists (the benchmark's county)
        self.robot_keys = set(robot_keys)
        self.sms_key_id, self.sms_secret, self.sign_name = sms_key_id, sms_secret, sign_name
        self.token_ttl = token_ttl
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.tokens = {}
        self.gettoken_calls = 0
        self.wecom = []  # message/send deliveries shown to users
        self.robot = []
        self.sms = []
        self.duplicates = 0
        self.calls = defaultdict(int)
        self.scripts = defaultdict(deque)
        self.robot_sent = defaultdict(deque)
        self.dup_seen = {}
        self.nonces = set()
        self.outage = False
        self.hold = None  # a threading.Event message/send waits for (a worker killed mid-send)
        self.held = threading.Event()
        self._ids = itertools.count(1)
        self.server = None
        self.sockets = set()
        self.port = 0

    # --- control ------------------------------------------------------------------------
    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        gateways = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # Headers and body leave in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK hold every kept-alive answer back ~40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                with gateways.lock:
                    gateways.sockets.add(self.connection)

            def do_GET(self):
                gateways.handle(self, "GET")

            def do_POST(self):
                gateways.handle(self, "POST")

        class Server(ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True
            request_queue_size = 128  # a burst of new connections, as a real gateway takes

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self):
        """Down: the listening socket and every kept-alive connection closed."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        with self.lock:
            sockets, self.sockets = list(self.sockets), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def stats(self):
        with self.lock:
            return {"wecom": len(self.wecom), "sms": len(self.sms), "robot": len(self.robot),
                    "gettoken": self.gettoken_calls, "duplicates": self.duplicates,
                    "calls": dict(self.calls)}

    def script(self, endpoint, answers):
        with self.lock:
            self.scripts[endpoint].extend(answers)

    def expire_tokens(self):
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = 0

    # --- the HTTP side -----------------------------------------------------------------
    def handle(self, request, method):
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        endpoint = {"/cgi-bin/gettoken": "gettoken", "/cgi-bin/message/send": "send",
                    "/cgi-bin/webhook/send": "webhook", "/sms/": "sms"}.get(parts.path)
        if parts.path == "/_stats":  # for a benchmark running the gateways in a process
            return self.answer(request, 200, self.stats())
        if endpoint is None:
            return self.answer(request, 404, {"errcode": 404})
        with self.lock:
            self.calls[endpoint] += 1
            fault = self.scripts[endpoint].popleft() if self.scripts[endpoint] else None
        if self.outage:
            return self.answer(request, 503, b"<html>503 Service Unavailable</html>")
        if fault == 500:
            return self.answer(request, 500, b"<html>500 Internal Server Error</html>")
        if fault == "expire":
            self.expire_tokens()
            fault = None
        slow = fault == "timeout"
        if slow:
            fault = None
        if endpoint == "send" and self.hold is not None:
            self.held.set()
            self.hold.wait(30)
        if endpoint == "gettoken":
            status, data = self.gettoken(query, fault)
        elif endpoint == "send":
            status, data = self.message_send(query, body, fault)
        elif endpoint == "webhook":
            status, data = self.webhook_send(query, body, fault)
        else:
            status, data = self.send_sms(body, fault)
        if slow:
            time.sleep(self.slow_seconds)
        return self.answer(request, status, data)

    def answer(self, request, status, data):
        raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json; charset=utf-8"
                                if not isinstance(data, bytes) else "text/html")
            request.send_header("Content-Length", str(len(raw)))
            request.end_headers()
            request.wfile.write(raw)
        except OSError:
            pass  # the client gave up waiting

    # --- 企业微信 -------------------------------------------------------------------------
    def gettoken(self, query, fault):
        if isinstance(fault, int):
            return 200, {"errcode": fault, "errmsg": "scripted"}
        if query.get("corpid") != self.corp_id:
            return 200, {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != self.corp_secret:
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        token = f"tok{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        with self.lock:
            self.gettoken_calls += 1
            self.tokens[token] = time.time() + self.token_ttl
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                     "expires_in": self.token_ttl}

    def message_send(self, query, body, fault):
        token = query.get("access_token")
        if not token:
            return 200, {"errcode": 41001, "errmsg": "access_token missing"}
        with self.lock:
            expires = self.tokens.get(token)
        if expires is None:
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        if expires < time.time():
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if isinstance(fault, int):
            return 200, {"errcode": fault, "errmsg": "scripted"}
        try:
            msg = json.loads(body.decode("utf-8"))
        except ValueError:
            return 200, {"errcode": 40058, "errmsg": "invalid json"}
        if msg.get("agentid") != self.agent_id:
            return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
        kind = msg.get("msgtype")
        if kind == "textcard":
            card = msg.get("textcard") or {}
            if not card.get("title") or not card.get("description") or not card.get("url"):
                return 200, {"errcode": 44004, "errmsg": "empty content"}
            if len(card["title"].encode()) > 128 or len(card["description"].encode()) > 512:
                return 200, {"errcode": 45002, "errmsg": "content size out of limit"}
        elif kind == "text":
            if not (msg.get("text") or {}).get("content"):
                return 200, {"errcode": 44004, "errmsg": "empty content"}
        else:
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        wanted = [u for u in str(msg.get("touser", "")).split("|") if u]
        valid = [u for u in wanted if self.anyone or u in self.users]
        invalid = [u for u in wanted if u not in valid]
        if not valid:
            return 200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
        content = json.dumps(msg.get(kind), sort_keys=True, ensure_ascii=False)
        dup_key = ("|".join(valid), content)
        with self.lock:
            seen = self.dup_seen.get(dup_key)
            interval = int(msg.get("duplicate_check_interval") or 1800)
            if msg.get("enable_duplicate_check") == 1 and seen and \
                    time.time() - seen[0] < interval:
                self.duplicates += 1
                msgid = seen[1]
            else:
                msgid = f"msgid{next(self._ids)}"
                self.dup_seen[dup_key] = (time.time(), msgid)
                for user in valid:
                    self.wecom.append({"to": user, "msgtype": kind, "msgid": msgid,
                                       **(msg.get(kind) or {})})
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid),
                     "invalidparty": "", "invalidtag": "", "unlicenseduser": "",
                     "msgid": msgid, "response_code": uuid.uuid4().hex}

    def webhook_send(self, query, body, fault):
        key = query.get("key", "")
        if key not in self.robot_keys:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        if isinstance(fault, int):
            return 200, {"errcode": fault, "errmsg": "scripted"}
        now = time.time()
        with self.lock:
            window = self.robot_sent[key]
            while window and now - window[0] >= 60:
                window.popleft()
            if len(window) >= ROBOT_PER_MINUTE:
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        try:
            msg = json.loads(body.decode("utf-8"))
        except ValueError:
            return 200, {"errcode": 40058, "errmsg": "invalid json"}
        if msg.get("msgtype") != "markdown":
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        content = (msg.get("markdown") or {}).get("content", "")
        if not content or len(content.encode()) > 4096:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length"}
        with self.lock:
            window.append(now)
            self.robot.append({"key": key, "content": content, "at": now})
        return 200, {"errcode": 0, "errmsg": "ok"}

    # --- Alibaba Cloud SendSms ---------------------------------------------------------------
    def send_sms(self, body, fault):
        fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8"),
                                               keep_blank_values=True).items()}
        request_id = str(uuid.uuid4()).upper()

        def refuse(code, message, status=200):
            return status, {"Code": code, "Message": message, "RequestId": request_id}

        if fields.get("AccessKeyId") != self.sms_key_id:
            return refuse("InvalidAccessKeyId.NotFound", "Specified access key is not found.",
                          404)
        if fields.get("SignatureMethod") != "HMAC-SHA1" or \
                fields.get("SignatureVersion") != "1.0":
            return refuse("InvalidParameter", "SignatureMethod/SignatureVersion", 400)
        if fields.get("Signature") != aliyun_expected_signature(fields, self.sms_secret):
            return refuse("SignatureDoesNotMatch",
                          "Specified signature is not matched with our calculation.", 400)
        try:
            stamp = dt.datetime.strptime(fields.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return refuse("InvalidTimeStamp.Format", "Timestamp format", 400)
        skew = abs((dt.datetime.now(dt.UTC).replace(tzinfo=None) - stamp).total_seconds())
        if skew > 15 * 60:
            return refuse("InvalidTimeStamp.Expired", "Timestamp expired", 400)
        nonce = fields.get("SignatureNonce", "")
        with self.lock:
            if not nonce or nonce in self.nonces:
                return refuse("SignatureNonceUsed", "Specified signature nonce was used.", 400)
            self.nonces.add(nonce)
        if fields.get("Action") != "SendSms" or fields.get("Version") != "2017-05-25":
            return refuse("InvalidAction.NotFound", "Action or Version", 404)
        if isinstance(fault, str):
            return refuse(fault, "scripted")
        if fields.get("SignName") != self.sign_name:
            return refuse("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法")
        template = TEMPLATES.get(fields.get("TemplateCode", ""))
        if template is None:
            return refuse("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法")
        try:
            params = json.loads(fields.get("TemplateParam", ""))
        except ValueError:
            return refuse("isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if set(params) != template:
            return refuse("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        if any(len(str(v)) > 35 for v in params.values()):
            return refuse("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        phones = fields.get("PhoneNumbers", "").split(",")
        if not all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones):
            return refuse("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        biz_id = f"{next(self._ids):012d}^0"
        with self.lock:
            for phone in phones:
                self.sms.append({"to": phone, "template": fields["TemplateCode"],
                                 "params": params, "biz_id": biz_id,
                                 "out_id": fields.get("OutId", "")})
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
