"""The grid worker's pages on a weak rural network (issue 21 §2), in Chromium:

    DATABASE_URL=postgres://…/px_weak REDIS_URL=… python -m bench.weaknet [--user grid_demo]

on a database with the demo town (`manage.py migrate && DEBUG=true manage.py seed_demo`).
It collects the static files with hashed, compressed names (STATIC_MANIFEST=true, as the
production image), starts gunicorn with DEBUG off on a free port, and drives Chromium at
390×844 through a weak link (bench/weaklink.py: 400 kbit/s each way, 400 ms round trip, two
round trips to open a connection as TCP + TLS 1.3 through nginx do). Every request goes
through it, the service worker's included: Chromium's DevTools emulation
(`--cdp`, the earlier method) throttles only the page's own requests.

gunicorn runs threaded with a 75 s keep-alive here, as nginx in front of it keeps the
phone's connections in production; before each measured step the link drops every open
connection (the phone was idle), so each step pays its handshakes.

- each main page (home, worklist, a household, its visit form) opened once in a fresh
  browser: bytes transferred (compressed, as on the wire) and time until it is usable
  (the `load` event: styles and scripts in, the form's script attached);
- the visit form opened again (the service worker and the HTTP cache have the shell);
- a visit submitted, 5 s after the form opened (the user fills it): from the tap to the
  saved visit's page.

Figures go to stdout as a Markdown table (copied into bench/results.md by hand); nothing is
asserted."""

import argparse
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.weaklink import WeakLink

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
CONDITIONS = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
              "uploadThroughput": 400_000 / 8}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env():
    # STATIC_ROOT is settings' own (staticfiles/, ignored by git); a key of its own, since
    # wsgi.py refuses the development key with DEBUG off.
    return dict(os.environ, STATIC_MANIFEST="true", DEBUG="false",
                SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
                ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="false")


@contextlib.contextmanager
def server():
    """gunicorn on a free port; yields (base URL, port)."""
    env = _env()
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)
    port = _free_port()
    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "pingxiang.wsgi",
                             "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning",
                             # nginx keeps the phone's connection open in production
                             "-k", "gthread", "--threads", "4", "--keep-alive", "75"],
                            cwd=ROOT, env=env)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        for _ in range(4):  # each worker imports and connects on its first requests
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/account/login/", timeout=120).read()
        yield f"http://localhost:{port}", port  # localhost: a secure context, so service workers run
    finally:
        proc.terminate()
        proc.wait(10)


def _targets(username):
    """A household of the user's grid and its URLs."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
    django.setup()
    from django.contrib.auth import get_user_model

    from grids import offline

    user = get_user_model().objects.get(username=username)
    household = offline.field_households(user).order_by("id").first()
    if household is None:
        sys.exit(f"{username} has no household in their grid: seed the demo town first.")
    return {"home": "/", "worklist": "/grids/worklist/",
            "household": f"/grids/households/{household.pk}/",
            "visit form": f"/grids/households/{household.pk}/visit/"}


class Meter:
    """Bytes on the wire for one page, from the DevTools protocol."""

    def __init__(self, page, emulate=False):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        if emulate:
            self.cdp.send("Network.emulateNetworkConditions", CONDITIONS)
        self.bytes = 0
        self.requests = 0
        self.cdp.on("Network.loadingFinished", self._done)

    def _done(self, event):
        self.bytes += event.get("encodedDataLength", 0)
        self.requests += 1

    def reset(self):
        self.bytes = self.requests = 0


def _login(context, base, username, password):
    page = context.new_page()
    page.goto(base + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    page.close()


def _fresh(browser, base, username, password):
    """A browser profile that has only logged in (cookies), with no cache at all."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  service_workers="allow")
    context.set_default_timeout(120_000)
    _login(context, base, username, password)
    # Logging in loaded the shell's files: forget them, keep the session cookie.
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")
    page.goto(base + "/offline/")  # a page that neither registers the worker nor refreshes
    page.evaluate("caches.keys().then(ks => Promise.all(ks.map(k => caches.delete(k))))")
    page.evaluate("localStorage.clear()")  # else the grid's pages count as kept an hour
    page.evaluate("navigator.serviceWorker.getRegistrations()"
                  ".then(rs => Promise.all(rs.map(r => r.unregister())))")
    cdp.send("Network.clearBrowserCache")
    page.close()
    return context


def measure(base, username, password, targets, link=None, verbose=False):
    """`link`: the WeakLink every request goes through; None: DevTools emulation instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    def idle():
        if link:
            link.drop_connections()
            link.reset_counts()

    def on_link():
        return (link.bytes_down, link.connections) if link else (None, None)

    rows = []
    with sync_playwright() as p:
        proxy = {"server": f"http://127.0.0.1:{link.port}"} if link else None
        # Playwright adds <-loopback> to the bypass list, so localhost goes through the proxy.
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    proxy=proxy, args=["--disable-background-networking",
                                                       "--disable-component-update",
                                                       "--disable-sync", "--no-first-run"])
        for name, path in targets.items():
            context = _fresh(browser, base, username, password)
            page = context.new_page()
            meter = Meter(page, emulate=link is None)
            if verbose:
                began = time.monotonic()
                context.on("requestfinished", lambda r, began=began: print(
                    f"  {time.monotonic() - began:7.2f} {r.method} {r.url[len(base):]}"
                    f"{' (worker)' if r.service_worker else ''}", file=sys.stderr))
            idle()
            started = time.monotonic()
            page.goto(base + path, wait_until="load")
            first = time.monotonic() - started
            rows.append((name, first, meter.bytes, meter.requests) + on_link())
            if name == "visit form":
                # The service worker installs, and the page has it keep the grid's pages
                # (static/js/offline.js): the phone's state for any later visit.
                started = time.monotonic()
                page.wait_for_selector("body[data-offline-ready]", state="attached",
                                       timeout=300_000)
                page.wait_for_timeout(1000)  # the last copies are stored
                rows.append(("keeping the grid's pages (background)",
                             time.monotonic() - started, None, None) + on_link())
                meter.reset()
                idle()
                started = time.monotonic()
                page.goto(base + path, wait_until="load")
                rows.append(("visit form, again", time.monotonic() - started, meter.bytes,
                             meter.requests) + on_link())
                page.check("input[name=findings][value=无异常]")
                page.wait_for_timeout(5000)  # filling the form: what the page began settles
                idle()
                started = time.monotonic()
                page.click("form[data-offline-form] button[type=submit]")
                try:
                    page.wait_for_url("**/grids/visits/*/", wait_until="load", timeout=30_000)
                    submit = time.monotonic() - started
                except PlaywrightTimeout:
                    print("submit not saved:", page.url, page.inner_text("main")[:300],
                          file=sys.stderr)
                    submit = float("nan")
                rows.append(("submitting a visit", submit, None, None) + on_link())
            context.close()
        browser.close()
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="grid_demo")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "pingxiang-demo"))
    parser.add_argument("--cdp", action="store_true",
                        help="DevTools emulation instead of the weak link (misses the service "
                             "worker's requests; for comparison with earlier figures)")
    parser.add_argument("--handshake-rtts", type=int, default=2,
                        help="round trips to open a connection (2: TCP + TLS 1.3)")
    parser.add_argument("--verbose", action="store_true",
                        help="every finished request on stderr, with its time")
    args = parser.parse_args()
    targets = _targets(args.user)
    with server() as (base, port):
        link = None if args.cdp else WeakLink(port, handshake_rtts=args.handshake_rtts).start()
        try:
            rows = measure(base, args.user, args.password, targets, link, args.verbose)
        finally:
            if link:
                link.stop()
    how = "DevTools emulation" if args.cdp else (
        f"weak link: 400 kbit/s each way, 400 ms RTT, {args.handshake_rtts} RTT handshakes")
    print(how)
    print("first loads: a fresh profile that has only logged in; every step starts with no "
          "open connection")
    def kb(size):
        return f"{size / 1024:.1f}" if size is not None else "–"

    print("| step | time (s) | page's requests (KB) | requests | on the link, down (KB) "
          "| new connections |")
    print("|---|---|---|---|---|---|")
    for name, seconds, size, requests, down, conns in rows:
        print(f"| {name} | {seconds:.2f} | {kb(size)} | {requests if requests is not None else '–'}"
              f" | {kb(down)} | {conns if conns is not None else '–'} |")


if __name__ == "__main__":
    main()
